package org.multiserver.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * A test transform with a tiny handshake: the client sends HELO, the server answers OLEH. A server that gets
 * anything else drops the peer, which is how tests make a client misbehave. {@code stall} mode never finishes.
 */
final class MagicTransform implements Transform {
    private final String name;
    private final boolean stall;

    MagicTransform(String name, boolean stall) {
        this.name = name;
        this.stall = stall;
    }

    static TransformProvider provider(String name, boolean stall) {
        return new TransformProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Transform create(PluginContext context) {
                return new MagicTransform(name, stall);
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Target> parse(Section section) {
        if (!name.equals(section.name())) {
            return Optional.empty();
        }
        if (!section.data().isEmpty()) {
            throw section.syntaxError(0, name + " takes no data");
        }
        return Optional.of(new Target() {
            @Override
            public Section section() {
                return section;
            }

            @Override
            public CompletableFuture<Layer> wrapClient(Channel channel) {
                return run(channel, true);
            }
        });
    }

    @Override
    public CompletableFuture<Layer> wrapServer(Channel channel) {
        return run(channel, false);
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return Optional.of(Section.of(name));
    }

    private CompletableFuture<Layer> run(Channel channel, boolean client) {
        CompletableFuture<Layer> done = new CompletableFuture<>();
        if (stall) {
            return done;
        }
        byte[] expect = (client ? "OLEH" : "HELO").getBytes(StandardCharsets.US_ASCII);
        Pipelines.addLast(channel.pipeline(), name + "-handshake", new ByteToMessageDecoder() {
            @Override
            protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                if (in.readableBytes() < 4) {
                    return;
                }
                ByteBuf got = in.readBytes(4);
                boolean ok = got.equals(Unpooled.wrappedBuffer(expect));
                got.release();
                if (!ok) {
                    ctx.close();
                    done.completeExceptionally(new java.io.IOException(name + ": bad greeting"));
                    return;
                }
                if (!client) {
                    ctx.writeAndFlush(Unpooled.copiedBuffer("OLEH", StandardCharsets.US_ASCII));
                }
                ctx.pipeline().remove(this);
                done.complete(Layer.anonymous(Section.of(name)));
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                done.completeExceptionally(new java.io.IOException(name + ": closed during the handshake"));
                super.channelInactive(ctx);
            }
        });
        if (client) {
            channel.writeAndFlush(Unpooled.copiedBuffer("HELO", StandardCharsets.US_ASCII));
        }
        return done;
    }
}
