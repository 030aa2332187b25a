package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.security.SecureRandom;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.spi.EndOfOutput;

/** The box-stream encoder and decoder on in-memory channels. */
class BoxStreamCodecTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] key = random(32);
    private final byte[] nonce = random(24);
    private final EmbeddedChannel writer = new EmbeddedChannel(new BoxStreamEncoder(new BoxStreamSealer(key, nonce)));
    private final Recorder app = new Recorder();
    private final EmbeddedChannel reader = readerFor(key, nonce, app);

    private static EmbeddedChannel readerFor(byte[] key, byte[] nonce, Recorder app) {
        BoxStreamEncoder ownEncoder = new BoxStreamEncoder(new BoxStreamSealer(random(32), random(24)));
        return new EmbeddedChannel(ownEncoder, new BoxStreamDecoder(new BoxStreamOpener(key, nonce), ownEncoder), app);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4095, 4096, 4097, 8192, 10_000, 3 * 4096 + 7, 1 << 20})
    void writes_areSplitIntoFramesOfAtMost4096(int length) {
        writer.writeOutbound(Unpooled.wrappedBuffer(TestBytes.range(0, length)));
        ByteBuf wire = EmbeddedPair.joinOutbound(writer);
        int frames = (length + 4095) / 4096;
        assertThat(wire.readableBytes()).isEqualTo(length + 34 * frames);
        reader.writeInbound(wire);
        assertThat(app.bytes()).isEqualTo(TestBytes.range(0, length));
        assertThat(app.reads()).isEqualTo(frames);
        assertThat(app.largestRead()).isLessThanOrEqualTo(4096);
        assertThat(app.error).isNotDone();
        finish();
    }

    /**
     * Direct buffers go to libsodium in place, heap buffers through native scratch memory: every combination of
     * source, wire and destination buffer gives the same wire bytes and the same plaintext.
     */
    @ParameterizedTest
    @ValueSource(strings = {"heap,heap,heap", "direct,direct,direct", "heap,direct,heap", "direct,heap,direct"})
    void heapAndDirectBuffers_giveIdenticalResults(String kinds) throws Exception {
        String[] kind = kinds.split(",");
        byte[] plain = TestBytes.range(0, 3 * 4096 + 5);
        byte[] reference = null;
        for (int run = 0; run < 2; run++) {
            boolean useKinds = run == 1;
            ByteBuf src = alloc(useKinds ? kind[0] : "heap", plain.length).writeBytes(plain);
            ByteBuf wire = alloc(useKinds ? kind[1] : "heap", 0);
            new BoxStreamSealer(key, nonce).seal(src, src.readerIndex(), plain.length, wire);
            byte[] wireBytes = new byte[wire.readableBytes()];
            wire.getBytes(wire.readerIndex(), wireBytes);
            if (reference == null) {
                reference = wireBytes;
            } else {
                assertThat(wireBytes).isEqualTo(reference);
            }
            BoxStreamOpener opener = new BoxStreamOpener(key, nonce);
            ByteBuf out = alloc(useKinds ? kind[2] : "heap", 0);
            while (wire.isReadable()) {
                int length = opener.openHeader(wire);
                opener.openBody(wire, length, out);
            }
            assertThat(ByteBufs.drain(out)).isEqualTo(plain);
            src.release();
            wire.release();
            out.release();
        }
        finish();
    }

    private static ByteBuf alloc(String kind, int capacity) {
        return kind.equals("direct") ? io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(capacity)
                : Unpooled.buffer(capacity);
    }

    @Test
    void emptyWrite_sendsNothingAndSucceeds() {
        ChannelFuture write = writer.writeOneOutbound(Unpooled.EMPTY_BUFFER);
        writer.flushOutbound();
        assertThat(write.isSuccess()).isTrue();
        ByteBuf out = writer.readOutbound();
        assertThat(out.readableBytes()).isZero();
        out.release();
        finish();
    }

    @Test
    void endOfOutput_sendsTheGoodbyeThenPassesItOn() {
        writer.writeOutbound(Unpooled.wrappedBuffer(TestBytes.range(0, 5000)), EndOfOutput.INSTANCE);
        ByteBuf frame1 = writer.readOutbound();
        ByteBuf goodbye = writer.readOutbound();
        assertThat(writer.<Object>readOutbound()).isSameAs(EndOfOutput.INSTANCE);
        assertThat(goodbye.readableBytes()).isEqualTo(34);
        reader.writeInbound(frame1, goodbye);
        assertThat(app.bytes()).isEqualTo(TestBytes.range(0, 5000));
        assertThat(app.inputShutdownEvents()).isEqualTo(1);
        assertThat(app.error).isNotDone();
        assertThat(reader.isOpen()).as("a half-close, not a close").isTrue();
        // The transport's own FIN that follows the goodbye is expected and not announced twice.
        reader.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(app.inputShutdownEvents()).isEqualTo(1);
        assertThat(app.error).isNotDone();
        // Both halves done: the peer closes; no goodbye is missing, so no error.
        reader.unsafe().close(reader.voidPromise());
        assertThat(app.error).isNotDone();
        finish();
    }

    @Test
    void writeAfterEndOfOutput_fails() {
        writer.writeOutbound(EndOfOutput.INSTANCE);
        ChannelFuture late = writer.writeOneOutbound(Unpooled.wrappedBuffer(new byte[] {1}));
        assertThat(late.cause()).hasMessage("shs: write after EndOfOutput");
        finish();
    }

    @Test
    void unknownMessages_areRefusedNotSentInTheClear() {
        ChannelFuture write = writer.writeOneOutbound("plaintext");
        assertThat(write.cause()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(writer.<Object>readOutbound()).isNull();
        finish();
    }

    /** Frames 1..3 sent; one byte of frame 2 flipped (header or body): frame 1 arrives, nothing after it. */
    @ParameterizedTest
    @ValueSource(ints = {0, 17, 33, 34, 40, 34 + 99})
    void badMac_deliversNothingFromTheBadFrameOn(int offsetInFrame2) {
        byte[] wire = sealFrames(3, 100);
        wire[134 + offsetInFrame2] ^= 0x40;
        reader.writeInbound(Unpooled.wrappedBuffer(wire));
        assertThat(app.bytes()).isEqualTo(TestBytes.range(0, 100));
        Throwable error = app.error.getNow(null);
        assertThat(error).isInstanceOf(BoxStreamException.class)
                .hasMessage(offsetInFrame2 < 34
                        ? "shs: box-stream header 2 failed authentication (corrupted or forged data)"
                        : "shs: box-stream body 2 failed authentication (corrupted or forged data)");
        assertThat(reader.isOpen()).isFalse();
        finish();
    }

    @Test
    void afterABadFrame_laterValidFramesAreDropped() {
        byte[] wire = sealFrames(3, 100);
        wire[134 + 50] ^= 1; // body of frame 2
        reader.writeInbound(Unpooled.wrappedBuffer(wire, 0, 268));
        assertThat(reader.isOpen()).isFalse();
        // A read already on its way when we closed: frame 3 is valid, and must still not get through.
        reader.pipeline().fireChannelRead(Unpooled.wrappedBuffer(wire, 268, wire.length - 268));
        assertThat(app.bytes()).hasSize(100);
        assertThat(app.error).isCompleted();
        finish();
    }

    @Test
    void oversizedBody_isRejected() {
        byte[] frame = Frames.frame(key, nonce, 4097, TestBytes.range(0, 4097));
        reader.writeInbound(Unpooled.wrappedBuffer(frame));
        assertThat(app.error.getNow(null)).isInstanceOf(BoxStreamException.class)
                .hasMessage("shs: box-stream frame 1 announces a body of 4097 bytes, over the 4096-byte limit");
        assertThat(app.bytes()).isEmpty();
        assertThat(reader.isOpen()).isFalse();
        finish();
    }

    @Test
    void bodyOfExactly4096_isAccepted() {
        reader.writeInbound(Unpooled.wrappedBuffer(Frames.frame(key, nonce, 4096, TestBytes.range(0, 4096))));
        assertThat(app.bytes()).isEqualTo(TestBytes.range(0, 4096));
        finish();
    }

    @Test
    void emptyFrame_isLegalAndDeliversNothing() {
        byte[] empty = Frames.frame(key, nonce, 0, new byte[0]);
        byte[] next = Frames.frame(key, Frames.nonceAfter(nonce, 2), 3, new byte[] {7, 8, 9});
        reader.writeInbound(Unpooled.wrappedBuffer(empty, next));
        assertThat(app.bytes()).containsExactly(7, 8, 9);
        assertThat(app.error).isNotDone();
        finish();
    }

    @Test
    void dataAfterTheGoodbye_closesTheConnection_butTheInputEndedCleanly() {
        writer.writeOutbound(EndOfOutput.INSTANCE);
        ByteBuf goodbye = writer.readOutbound();
        writer.readOutbound();
        byte[] more = Frames.frame(key, Frames.nonceAfter(nonce, 2), 3, new byte[] {1, 2, 3});
        reader.writeInbound(goodbye);
        reader.writeInbound(Unpooled.wrappedBuffer(more));
        assertThat(app.inputShutdownEvents()).isEqualTo(1);
        assertThat(app.bytes()).isEmpty();
        assertThat(app.error).as("the clean end stays clean").isNotDone();
        assertThat(app.violations()).as("reported for the server's error handler").containsExactly("shs: box-stream"
                + " data after the goodbye (37 bytes): the peer broke the protocol after its clean end");
        assertThat(reader.isOpen()).as("a peer that writes after its goodbye is hung up on").isFalse();
        finish();
    }

    @Test
    void dataAfterTheGoodbye_inTheSameRead_endsTheSameWay() {
        writer.writeOutbound(EndOfOutput.INSTANCE);
        ByteBuf goodbye = writer.readOutbound();
        writer.readOutbound();
        byte[] more = Frames.frame(key, Frames.nonceAfter(nonce, 2), 3, new byte[] {1, 2, 3});
        reader.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(ByteBufUtil.getBytes(goodbye)),
                Unpooled.wrappedBuffer(more)));
        goodbye.release();
        assertThat(app.inputShutdownEvents()).isEqualTo(1);
        assertThat(app.bytes()).isEmpty();
        assertThat(app.error).as("the clean end stays clean").isNotDone();
        assertThat(app.violations()).hasSize(1);
        assertThat(reader.isOpen()).isFalse();
        finish();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 33, 34, 35, 133})
    void peerHangsUpWithoutGoodbye_isATruncatedStream(int extraBytes) {
        byte[] wire = sealFrames(2, 100);
        reader.writeInbound(Unpooled.wrappedBuffer(wire, 0, 134 + extraBytes));
        reader.unsafe().close(reader.voidPromise()); // EOF from the transport, as a socket reports it
        assertThat(app.bytes()).isEqualTo(TestBytes.range(0, 100));
        String detail = switch (extraBytes) {
            case 0 -> "after 1 frames";
            case 1, 33 -> "in the middle of a header (" + extraBytes + " of 34 bytes)";
            default -> "in the middle of frame 2 (" + (extraBytes - 34) + " of 100 body bytes)";
        };
        assertThat(app.error.getNow(null)).isInstanceOf(BoxStreamException.class)
                .hasMessage("shs: box-stream truncated: the peer ended without a goodbye " + detail);
        finish();
    }

    @Test
    void transportInputShutdownWithoutGoodbye_isATruncatedStream() {
        reader.writeInbound(Unpooled.wrappedBuffer(sealFrames(1, 10)));
        reader.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(app.inputShutdownEvents()).as("not announced as a clean end").isZero();
        assertThat(app.error.getNow(null)).hasMessageStartingWith("shs: box-stream truncated");
        assertThat(reader.isOpen()).isFalse();
        finish();
    }

    @Test
    void ourOwnClose_isNoTruncation() {
        reader.writeInbound(Unpooled.wrappedBuffer(sealFrames(1, 10)));
        reader.close();
        assertThat(app.error).isNotDone();
        finish();
    }

    /** Any sequence of writes, cut into arbitrary reads on the way, arrives whole, in order, then ends once. */
    @Property
    void anyWritesAnyReadBoundaries_roundTrip(
            @ForAll @Size(max = 5) List<@IntRange(min = 0, max = 6000) Integer> writes,
            @ForAll @IntRange(min = 1, max = 9000) int readSize) {
        byte[] k = random(32);
        byte[] n = random(24);
        EmbeddedChannel w = new EmbeddedChannel(new BoxStreamEncoder(new BoxStreamSealer(k, n)));
        Recorder out = new Recorder();
        EmbeddedChannel r = readerFor(k, n, out);
        long offset = 0;
        for (int length : writes) {
            w.writeOutbound(Unpooled.wrappedBuffer(TestBytes.range(offset, length)));
            offset += length;
        }
        w.writeOutbound(EndOfOutput.INSTANCE);
        ByteBuf wire = Unpooled.buffer();
        Object msg;
        while ((msg = w.readOutbound()) != null) {
            if (msg instanceof ByteBuf buf) {
                wire.writeBytes(buf);
                buf.release();
            } else {
                assertThat(msg).isSameAs(EndOfOutput.INSTANCE);
            }
        }
        while (wire.isReadable()) {
            r.writeInbound(wire.readRetainedSlice(Math.min(readSize, wire.readableBytes())));
        }
        wire.release();
        assertThat(out.bytes()).isEqualTo(TestBytes.range(0, (int) offset));
        assertThat(out.inputShutdownEvents()).isEqualTo(1);
        assertThat(out.error).isNotDone();
        w.finishAndReleaseAll();
        r.finishAndReleaseAll();
    }

    private byte[] sealFrames(int frames, int bodyLength) {
        for (int i = 0; i < frames; i++) {
            writer.writeOutbound(Unpooled.wrappedBuffer(TestBytes.range((long) i * bodyLength, bodyLength)));
        }
        ByteBuf joined = EmbeddedPair.joinOutbound(writer);
        try {
            return ByteBufs.drain(joined);
        } finally {
            joined.release();
        }
    }

    private void finish() {
        writer.finishAndReleaseAll();
        reader.finishAndReleaseAll();
    }

    private static byte[] random(int n) {
        byte[] out = new byte[n];
        RANDOM.nextBytes(out);
        return out;
    }
}
