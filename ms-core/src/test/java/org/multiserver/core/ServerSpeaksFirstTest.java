package org.multiserver.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.address.Section;
import org.multiserver.spi.HandshakeHandler;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Listener;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/**
 * A transform whose server speaks first ({@code banner}: the server writes a greeting as it wraps, the client reads it
 * before anything else) through a transport whose connect future completes only after the channel's first read
 * went by ({@code latetcp}). The client's transform must still get the greeting: the platform holds the reads from
 * {@code beforeFirstRead} until the first transform is in place. Wrapping in the future's completion without that
 * gate hands the greeting to the application and the client's handshake waits for it until its deadline.
 */
@Timeout(30)
class ServerSpeaksFirstTest {
    private static final byte[] BANNER = "HELLO-FROM-SERVER".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aGreetingWrittenAsTheServerWrapsReachesTheClientsTransform() throws Exception {
        try (MultiServer server = MultiServer.builder().plugin(new Banner()).listen("tcp:127.0.0.1:0~banner").build();
             MultiServer client = MultiServer.builder().plugin(new Banner()).plugin(new LateTcp())
                     .handshakeTimeout(Duration.ofSeconds(10)).build()) {
            MultiServer.Listening listening = server.serve(c -> {
                c.output().write("welcome".getBytes(StandardCharsets.US_ASCII)); // right behind the banner
                c.output().flush();
                c.input().transferTo(c.output());
            });
            String address = "late" + listening.stringify();

            Connection c = client.connect(address).get(20, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).isEqualTo(address);
            assertThat(c.input().readNBytes(7)).asString(StandardCharsets.US_ASCII).isEqualTo("welcome");
            c.output().write('x');
            c.output().flush();
            assertThat(c.input().read()).isEqualTo('x');
            c.close();
        }
    }

    /** {@code banner}: the server sends {@link #BANNER} at once; the client's handshake reads it. */
    static final class Banner implements TransformProvider {
        @Override
        public String name() {
            return "banner";
        }

        @Override
        public Transform create(PluginContext context) {
            Section section = Section.of("banner");
            return new Transform() {
                @Override
                public String name() {
                    return "banner";
                }

                @Override
                public Optional<Target> parse(Section s) {
                    return s.name().equals("banner") ? Optional.of(new Target() {
                        @Override
                        public Section section() {
                            return section;
                        }

                        @Override
                        public CompletableFuture<Layer> wrapClient(Channel channel) {
                            CompletableFuture<Layer> result = new CompletableFuture<>();
                            Pipelines.addLast(channel.pipeline(), "banner-client", new BannerReader(result));
                            return result;
                        }
                    }) : Optional.empty();
                }

                @Override
                public CompletableFuture<Layer> wrapServer(Channel channel) {
                    channel.writeAndFlush(Unpooled.wrappedBuffer(BANNER));
                    return CompletableFuture.completedFuture(Layer.anonymous(section));
                }

                @Override
                public Optional<Section> stringify(Scope scope) {
                    return Optional.of(section);
                }
            };
        }
    }

    private static final class BannerReader extends HandshakeHandler<Layer> {
        BannerReader(CompletableFuture<Layer> result) {
            super("banner", "banner", Duration.ofSeconds(10), result);
        }

        @Override
        protected void start(ChannelHandlerContext ctx) {
        }

        @Override
        protected int expectedBytes() {
            return BANNER.length;
        }

        @Override
        protected void read(ChannelHandlerContext ctx, byte[] message) throws IOException {
            if (!Arrays.equals(message, BANNER)) {
                fail(ctx, "banner: expected the greeting, got '" + new String(message, StandardCharsets.US_ASCII)
                        + "'");
                return;
            }
            succeed(ctx, Layer.anonymous(Section.of("banner")));
        }

        @Override
        protected String waitingFor() {
            return "the server's banner";
        }

        @Override
        protected void destroySecrets() {
        }
    }

    /**
     * {@code latetcp:HOST:PORT}: the test's {@code tcp}, whose connect future completes only once the channel's
     * first read has gone through the pipeline, on the event loop. Dial-only.
     */
    static final class LateTcp implements TransportProvider {
        @Override
        public String name() {
            return "latetcp";
        }

        @Override
        public Transport create(PluginContext context) {
            Transport tcp = new LoopbackTcpProvider().create(context);
            return new Transport() {
                @Override
                public String name() {
                    return "latetcp";
                }

                @Override
                public Optional<Endpoint> parse(Section section) {
                    if (!section.name().equals("latetcp")) {
                        return Optional.empty();
                    }
                    Endpoint plain = tcp.parse(Section.of("tcp", section.item(0), section.item(1))).orElseThrow();
                    return Optional.of(new Endpoint() {
                        @Override
                        public Section section() {
                            return section;
                        }

                        @Override
                        public CompletableFuture<Channel> connect() {
                            return connect(ch -> { });
                        }

                        @Override
                        public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                            CompletableFuture<Channel> firstReadWentBy = new CompletableFuture<>();
                            return plain.connect(ch -> {
                                beforeFirstRead.accept(ch);
                                ch.closeFuture().addListener(f -> firstReadWentBy.completeExceptionally(
                                        new IOException(section + ": closed before its first read")));
                                ch.pipeline().addFirst("late", new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ctx.fireChannelRead(msg);
                                        ctx.pipeline().remove(this);
                                        firstReadWentBy.complete(ctx.channel());
                                    }
                                });
                            }).thenCombine(firstReadWentBy, (connected, read) -> connected);
                        }
                    });
                }

                @Override
                public CompletableFuture<Listener> listen(Acceptor acceptor) {
                    return CompletableFuture.failedFuture(new IOException("latetcp only dials"));
                }
            };
        }
    }
}
