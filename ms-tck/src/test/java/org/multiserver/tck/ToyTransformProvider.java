package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
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
import org.multiserver.spi.EndOfOutput;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * A toy transform shaped like a real one, for the kit's self-tests: {@code toy:<16 hex key>}. The client sends
 * {@code 0x01, the key it expects, its own key}; the server checks the first and answers {@code 0x02, its key}. Both
 * then frame their bytes as Secret Channel does ({@code u16 length, content}, at most 65535 bytes a frame, length 0
 * ends the stream) and XOR the content with a key stream from both keys. Not secure at all, but it has what the
 * identity transform lacks: a handshake with a deadline, a decoder that holds leftovers, authentication, handlers
 * that stay, framing with a size limit, and an end marker that tells a clean end from a cut. Each {@link Flaw}
 * breaks one of those on purpose.
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
        ASSUMES_WHOLE_READS,
        /** Hands the bytes behind its last handshake message on only with the next read. */
        HOLDS_LEFTOVERS,
        /** Takes a transport that ends without the end frame for a clean end. */
        IGNORES_TRUNCATION,
        /** Stops at the end frame only between reads: bytes behind it in the same read go on as data. */
        END_DEPENDS_ON_READS,
        /** Reports bytes behind the end frame as an error, after it announced the clean end (shs before b271172). */
        RAISES_AFTER_END,
        /** Frames a write of more than 65535 bytes with a 16-bit length that wraps, instead of splitting it. */
        NO_SPLIT,
        /** Points every syntax error at the section's name instead of the item that is wrong. */
        REJECTS_AT_NAME
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
                throw section.syntaxError(at(section.data().isEmpty() ? 0 : 1), "expected toy:{16 hex digits}");
            }
            String expected = section.item(0);
            if (!expected.matches("[0-9a-f]{16}")) {
                throw section.syntaxError(at(0), "'" + expected + "' is not 16 lower-case hex digits");
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

        /** The item a syntax error points at; {@link Flaw#REJECTS_AT_NAME} points at the name (-1) instead. */
        private int at(int item) {
            return flaw == Flaw.REJECTS_AT_NAME ? -1 : item;
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
                Framing framing = new Framing(serverKey + clientKey, flaw);
                if (flaw == Flaw.HOLDS_LEFTOVERS && in.isReadable()) {
                    framing.hold(in.readRetainedSlice(in.readableBytes()));
                }
                ctx.pipeline().addAfter(ctx.name(), handlerName("cipher"), framing);
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

    /**
     * Frames and XORs each direction; a permanent handler, as a real cipher's would be. Going out, a write becomes
     * frames of at most {@link #MAX_FRAME} bytes, {@link EndOfOutput} the end frame followed by the
     * {@code EndOfOutput} itself, and writes after it fail. Coming in, whole frames are handed on as they complete;
     * the end frame becomes {@link ChannelInputShutdownEvent} (whatever the transport can do), bytes behind it close
     * the connection without undoing that clean end, and a transport that ends before it is a truncation, reported
     * through {@code exceptionCaught}. A close from our own side is no truncation.
     */
    private static final class Framing extends ChannelDuplexHandler {
        static final int MAX_FRAME = 65535;
        private final Flaw flaw;
        private final byte[] stream;
        private long in;
        private long out;
        private CompositeByteBuf pending;
        private boolean outputEnded;
        private boolean inputEnded;
        private boolean failed;
        private boolean closedLocally;

        Framing(String keys, Flaw flaw) {
            this.flaw = flaw;
            try {
                stream = MessageDigest.getInstance("SHA-256").digest(keys.getBytes(StandardCharsets.US_ASCII));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Keeps {@code bytes} without decoding them: the {@link Flaw#HOLDS_LEFTOVERS} fault. */
        void hold(ByteBuf bytes) {
            pending = bytes.alloc().compositeBuffer(Integer.MAX_VALUE).addComponent(true, bytes);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (failed) {
                buf.release();
                return;
            }
            if (inputEnded) {
                buf.release();
                hangUp(ctx); // bytes after the end frame, in a later read
                return;
            }
            if (pending == null) {
                pending = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            }
            pending.addComponent(true, buf);
            decode(ctx);
        }

        private void decode(ChannelHandlerContext ctx) {
            while (pending != null && pending.readableBytes() >= 2) {
                int length = pending.getUnsignedShort(pending.readerIndex());
                if (length == 0) {
                    pending.skipBytes(2);
                    inputEnded = true;
                    ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    if (pending != null && pending.isReadable()) {
                        if (flaw == Flaw.END_DEPENDS_ON_READS) {
                            ctx.fireChannelRead(pending.readRetainedSlice(pending.readableBytes()));
                        } else {
                            hangUp(ctx); // bytes after the end frame, in the same read
                        }
                    }
                    break;
                }
                if (pending.readableBytes() < 2 + length) {
                    break;
                }
                pending.skipBytes(2);
                ByteBuf plain = xor(ctx, pending.readRetainedSlice(length), in);
                in += length;
                ctx.fireChannelRead(plain);
            }
            if (pending != null) {
                if (pending.isReadable()) {
                    pending.discardReadComponents();
                } else {
                    dropPending();
                }
            }
        }

        /** The peer sent bytes after its end frame: a protocol violation; the clean end stays clean. */
        private void hangUp(ChannelHandlerContext ctx) {
            failed = true;
            dropPending();
            if (flaw == Flaw.RAISES_AFTER_END) {
                ctx.fireExceptionCaught(new IOException("toy: bytes after the end frame"));
            }
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (inputEnded || failed) {
                    return; // the transport's own end, after our end frame announced it
                }
                if (flaw == Flaw.IGNORES_TRUNCATION) {
                    inputEnded = true;
                    ctx.fireUserEventTriggered(evt);
                    return;
                }
                truncated(ctx);
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!inputEnded && !failed && !closedLocally && flaw != Flaw.IGNORES_TRUNCATION) {
                truncated(ctx);
            }
            dropPending();
            ctx.fireChannelInactive();
        }

        private void truncated(ChannelHandlerContext ctx) {
            int partial = pending == null ? 0 : pending.readableBytes();
            failed = true;
            dropPending();
            ctx.fireExceptionCaught(new IOException("toy: the peer's stream ended without its end frame ("
                    + partial + " bytes of a frame were pending): truncated"));
            ctx.close();
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg == EndOfOutput.INSTANCE) {
                if (!outputEnded) {
                    outputEnded = true;
                    ctx.write(ctx.alloc().buffer(2).writeShort(0));
                }
                ctx.write(msg, promise);
                return;
            }
            if (!(msg instanceof ByteBuf buf)) {
                ctx.write(msg, promise);
                return;
            }
            if (outputEnded) {
                buf.release();
                promise.setFailure(new ChannelOutputShutdownException("toy: write after EndOfOutput"));
                return;
            }
            int length = buf.readableBytes();
            if (length == 0) {
                buf.release();
                ctx.write(Unpooled.EMPTY_BUFFER, promise); // an empty frame would read as the end frame
                return;
            }
            int frame = flaw == Flaw.NO_SPLIT ? length : MAX_FRAME;
            ByteBuf framed = ctx.alloc().buffer(length + 2 * (length / MAX_FRAME + 1));
            try {
                while (buf.isReadable()) {
                    int n = Math.min(frame, buf.readableBytes());
                    framed.writeShort(n); // NO_SPLIT: n & 0xffff, the wrap a u16 length field makes
                    ByteBuf sealed = xor(ctx, buf.readRetainedSlice(n), out);
                    out += n;
                    framed.writeBytes(sealed);
                    sealed.release();
                }
            } finally {
                buf.release();
            }
            ctx.write(framed, promise);
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            closedLocally = true;
            ctx.close(promise);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            dropPending();
        }

        private void dropPending() {
            if (pending != null) {
                pending.release();
                pending = null;
            }
        }

        /** XORs {@code buf} (released) with the key stream at {@code position}, into a new buffer. */
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
