package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * A toy transform shaped like a real one, for the kit's self-tests: {@code toy:<16 hex key>}. The client sends
 * {@code 0x01, the key it expects, its own key}; the server checks the first and answers {@code 0x02, its key}. Both
 * then XOR their bytes with a key stream from both keys. Not secure at all, but it has what the identity transform
 * lacks: a handshake with a deadline, a decoder that holds leftovers, authentication, and handlers that stay. Each
 * {@link Flaw} breaks one of those on purpose.
 */
public final class ToyTransformProvider implements TransformProvider {
    static final String NAME = "toy";

    /** What a deliberately broken variant gets wrong. */
    public enum Flaw {
        NONE,
        /** Discards bytes that came with the last handshake message. */
        DROPS_LEFTOVERS,
        /** Names its handlers without the transform's name. */
        MISNAMED_HANDLERS,
        /** Waits for the peer forever. */
        NO_DEADLINE,
        /** Neither side checks the key it was promised. */
        ACCEPTS_IMPOSTOR,
        /** Only its deadline notices a peer that closed mid-handshake. */
        IGNORES_CLOSE,
        /** Assumes one read holds one whole handshake message. */
        ASSUMES_WHOLE_READS
    }

    private final Flaw flaw;

    public ToyTransformProvider() {
        this(Flaw.NONE);
    }

    public ToyTransformProvider(Flaw flaw) {
        this.flaw = flaw;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Transform create(PluginContext context) {
        byte[] key = new byte[8];
        new SecureRandom().nextBytes(key);
        return new Toy(HexFormat.of().formatHex(key), context.handshakeTimeout(), flaw);
    }

    private static final class Toy implements Transform {
        private final String key;
        private final Duration deadline;
        private final Flaw flaw;

        Toy(String key, Duration deadline, Flaw flaw) {
            this.key = key;
            this.deadline = deadline;
            this.flaw = flaw;
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Optional<Target> parse(Section section) {
            if (!NAME.equals(section.name())) {
                return Optional.empty();
            }
            if (section.data().size() != 1) {
                throw section.syntaxError(section.data().isEmpty() ? 0 : 1, "expected toy:{16 hex digits}");
            }
            String expected = section.item(0);
            if (!expected.matches("[0-9a-f]{16}")) {
                throw section.syntaxError(0, "'" + expected + "' is not 16 lower-case hex digits");
            }
            Section canonical = Section.of(NAME, expected);
            return Optional.of(new Target() {
                @Override
                public Section section() {
                    return canonical;
                }

                @Override
                public CompletableFuture<Layer> wrapClient(Channel channel) {
                    return wrap(channel, expected);
                }
            });
        }

        @Override
        public CompletableFuture<Layer> wrapServer(Channel channel) {
            return wrap(channel, null);
        }

        private CompletableFuture<Layer> wrap(Channel channel, String expected) {
            CompletableFuture<Layer> result = new CompletableFuture<>();
            Pipelines.addLast(channel.pipeline(), handlerName("handshake"), new Handshake(expected, result));
            return result;
        }

        @Override
        public Optional<Section> stringify(Scope scope) {
            return Optional.of(Section.of(NAME, key));
        }

        private String handlerName(String role) {
            return flaw == Flaw.MISNAMED_HANDLERS ? role : NAME + "-" + role;
        }

        /** One side's handshake; client when {@code expected} is set. */
        private final class Handshake extends ByteToMessageDecoder {
            private final String expected;
            private final CompletableFuture<Layer> result;
            private ScheduledFuture<?> timer;

            Handshake(String expected, CompletableFuture<Layer> result) {
                this.expected = expected;
                this.result = result;
            }

            private boolean client() {
                return expected != null;
            }

            private int messageLength() {
                return client() ? 17 : 33;
            }

            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                if (flaw != Flaw.NO_DEADLINE) {
                    timer = ctx.executor().schedule(() -> fail(ctx, "no " + (client() ? "answer" : "hello")
                            + " within " + deadline.toMillis() + " ms"), deadline.toMillis(), TimeUnit.MILLISECONDS);
                }
                if (client()) {
                    ByteBuf hello = ctx.alloc().buffer(33);
                    hello.writeByte(1);
                    hello.writeBytes(expected.getBytes(StandardCharsets.US_ASCII));
                    hello.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
                    ctx.writeAndFlush(hello);
                }
            }

            @Override
            protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                if (result.isDone()) {
                    return;
                }
                if (in.readableBytes() < messageLength()) {
                    if (flaw == Flaw.ASSUMES_WHOLE_READS) {
                        fail(ctx, "short message: " + in.readableBytes() + " bytes");
                    }
                    return;
                }
                int type = in.readByte();
                String first = in.readCharSequence(16, StandardCharsets.US_ASCII).toString();
                boolean checks = flaw != Flaw.ACCEPTS_IMPOSTOR;
                if (client()) {
                    if (type != 2 || checks && !first.equals(expected)) {
                        fail(ctx, "the server is toy:" + first + ", not toy:" + expected);
                        return;
                    }
                    finish(ctx, in, first, first, key);
                } else {
                    String clientKey = in.readCharSequence(16, StandardCharsets.US_ASCII).toString();
                    if (type != 1 || checks && !first.equals(key)) {
                        fail(ctx, "the client asks for toy:" + first + ", this is toy:" + key);
                        return;
                    }
                    ByteBuf answer = ctx.alloc().buffer(17);
                    answer.writeByte(2);
                    answer.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
                    ctx.writeAndFlush(answer);
                    finish(ctx, in, clientKey, key, clientKey);
                }
            }

            private void finish(ChannelHandlerContext ctx, ByteBuf in, String peer, String serverKey,
                                String clientKey) {
                if (timer != null) {
                    timer.cancel(false);
                }
                if (flaw == Flaw.DROPS_LEFTOVERS) {
                    in.skipBytes(in.readableBytes());
                }
                ctx.pipeline().addAfter(ctx.name(), handlerName("cipher"), new Cipher(serverKey + clientKey));
                // Removing a decoder from inside decode: Netty hands what is left of its input to the next
                // handler (the cipher) once decode returns. The pipeline is final now, so the future completes.
                ctx.pipeline().remove(this);
                result.complete(Layer.authenticated(Section.of(NAME, peer), peer));
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                if (flaw != Flaw.IGNORES_CLOSE) {
                    fail(ctx, "the peer closed the connection");
                }
                super.channelInactive(ctx);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                fail(ctx, cause.toString());
            }

            private void fail(ChannelHandlerContext ctx, String why) {
                if (timer != null) {
                    timer.cancel(false);
                }
                if (result.completeExceptionally(new IOException("toy handshake (" + (client() ? "client" : "server")
                        + "): " + why))) {
                    ctx.close();
                }
            }
        }
    }

    /** XORs each direction with a key stream; a permanent handler, as a real cipher's would be. */
    private static final class Cipher extends ChannelDuplexHandler {
        private final byte[] stream;
        private long in;
        private long out;

        Cipher(String keys) {
            try {
                stream = MessageDigest.getInstance("SHA-256").digest(keys.getBytes(StandardCharsets.US_ASCII));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                ByteBuf plain = xor(ctx, buf, in);
                in += plain.readableBytes();
                ctx.fireChannelRead(plain);
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf buf) {
                ByteBuf sealed = xor(ctx, buf, out);
                out += sealed.readableBytes();
                ctx.write(sealed, promise);
            } else {
                ctx.write(msg, promise);
            }
        }

        private ByteBuf xor(ChannelHandlerContext ctx, ByteBuf buf, long position) {
            try {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                for (int i = 0; i < bytes.length; i++) {
                    long p = position + i;
                    bytes[i] ^= (byte) (stream[(int) (p % stream.length)] ^ (p >>> 5));
                }
                return ctx.alloc().buffer(bytes.length).writeBytes(bytes);
            } finally {
                buf.release();
            }
        }
    }
}
