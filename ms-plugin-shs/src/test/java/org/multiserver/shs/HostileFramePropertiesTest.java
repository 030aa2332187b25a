package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.shs.NativeSodium.SODIUM;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.multiserver.testing.NettyLeakDetection;

/**
 * Hostile box-stream input for the decoder a connection runs after the handshake, on an in-memory channel. Each try:
 * some valid frames, one hostile thing (a flipped bit in a header or body, an oversized length, data after the
 * goodbye, a frame cut short, garbage), maybe more valid frames under the nonces that follow, maybe an end of input;
 * all of it cut into reads at random boundaries. The application must get exactly the plaintext before the hostile
 * part, then at most one {@link BoxStreamException} (after that plaintext), and the channel must close on every
 * error. Netty's leak detector (PARANOID) is checked after each property: jqwik runs outside JUnit Jupiter, so the
 * auto-detected extension does not.
 *
 * <p>Tries come from {@code jqwik.tries.default} (see the parent pom); a long run:
 * {@code mvn -o surefire:test -Dtest=HostileFramePropertiesTest -Djqwik.tries=1000000}.
 */
class HostileFramePropertiesTest {
    private static final String AUTH_FAILED = " failed authentication (corrupted or forged data)";
    private static final String TRUNCATED = "shs: box-stream truncated: the peer ended without a goodbye";

    @BeforeContainer
    static void installLeakDetection() {
        NettyLeakDetection.install();
    }

    @AfterProperty
    void nothingLeaked() {
        assertThat(NettyLeakDetection.collect()).as("Netty buffer leaks").isNull();
    }

    /** How the transport's input ends after the bytes, if it does. */
    enum Ending {
        NONE,
        /** A FIN: {@link ChannelInputShutdownEvent}. */
        FIN,
        /** The connection drops: channelInactive, which runs the decoder's decodeLast. */
        CLOSE
    }

    @Property
    void hostileInput_deliversExactlyThePlaintextBeforeIt(
            @ForAll long keySeed,
            @ForAll @IntRange(min = 0, max = 24) int carryBytes,
            @ForAll @Size(max = 3) List<@From("bodyLengths") Integer> before,
            @ForAll("hostile") Hostile hostile,
            @ForAll @Size(max = 2) List<@From("bodyLengths") Integer> after,
            @ForAll Ending ending,
            @ForAll @Size(max = 6) List<@IntRange(min = 1, max = 5000) Integer> reads,
            @ForAll boolean direct) {
        Random random = new Random(keySeed);
        byte[] key = new byte[32];
        byte[] nonce = new byte[24];
        random.nextBytes(key);
        random.nextBytes(nonce);
        // Nonces ending in 0xff bytes make the big-endian increments carry, and 24 of them wrap around to zero.
        for (int i = 24 - carryBytes; i < 24; i++) {
            nonce[i] = (byte) 0xff;
        }

        // The wire: valid frames, the hostile part, then (where it can follow) more valid frames.
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        long offset = 0;
        int frame = 0;
        for (int length : before) {
            wire.writeBytes(Frames.frame(key, Frames.nonceAfter(nonce, 2 * frame++), length,
                    TestBytes.range(offset, length)));
            offset += length;
        }
        byte[] expected = TestBytes.range(0, (int) offset);
        wire.writeBytes(hostile.wire(key, Frames.nonceAfter(nonce, 2 * frame), offset));
        int trailing = 0;
        if (hostile.mayBeFollowed()) {
            long laterOffset = offset + 10_000; // never delivered, so any overlap with the expected bytes would show
            for (int length : after) {
                // Frame numbers go on after the hostile one (a goodbye's or a flipped frame's nonces are used up).
                byte[] later = Frames.frame(key, Frames.nonceAfter(nonce, 2 * ++frame), length,
                        TestBytes.range(laterOffset, length));
                wire.writeBytes(later);
                trailing += later.length;
                laterOffset += length;
            }
        }
        Outcome outcome = hostile.outcome(before.size(), trailing, ending);

        App app = new App();
        BoxStreamEncoder ownEncoder = new BoxStreamEncoder(new BoxStreamSealer(new byte[32], new byte[24]));
        EmbeddedChannel reader = new EmbeddedChannel(ownEncoder,
                new BoxStreamDecoder(new BoxStreamOpener(key, nonce), ownEncoder), app);
        String what = hostile + " after " + before + ", then " + (hostile.mayBeFollowed() ? after : "nothing")
                + ", " + ending + ", reads " + reads;
        try {
            deliver(reader, wire.toByteArray(), reads, direct);
            if (reader.isOpen()) { // a closed transport reports no end of input
                switch (ending) {
                    case FIN -> reader.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    case CLOSE -> reader.unsafe().close(reader.voidPromise());
                    default -> {
                    }
                }
            }
            reader.runPendingTasks();
            reader.checkException();
        } catch (Throwable e) {
            throw new AssertionError("exception out of the channel for " + what + ": " + e, e);
        }

        assertThat(app.bytes()).as("plaintext delivered for %s", what).isEqualTo(expected);
        assertThat(app.errors).as("exceptions fired at the application for %s", what)
                .isEqualTo(outcome.error() == null ? 0 : 1);
        if (outcome.error() == null) {
            assertThat(reader.isOpen()).as("channel open after %s", what).isEqualTo(!outcome.closedQuietly());
        } else {
            Throwable error = app.error.getNow(null);
            assertThat(error).as("the application's error for %s", what).isInstanceOf(BoxStreamException.class);
            if (outcome.exact()) {
                assertThat(error).as("the application's error for %s", what).hasMessage(outcome.error());
            } else {
                assertThat(error.getMessage()).as("the application's error for %s", what)
                        .startsWith(outcome.error());
            }
            assertThat(app.bytesAtError).as("plaintext delivered before the error for %s", what)
                    .isEqualTo(expected.length);
            assertThat(reader.isOpen()).as("channel open after the error for %s", what).isFalse();
        }
        assertThat(app.inputShutdownEvents()).as("clean ends of input announced for %s", what)
                .isEqualTo(outcome.goodbye() ? 1 : 0);
        reader.finishAndReleaseAll();
    }

    /**
     * Hands {@code wire} to the channel in reads of the given sizes (the rest in one last read), in buffers from the
     * channel's allocator so the leak detector tracks them. Reads after a close are ones already on their way.
     */
    private static void deliver(EmbeddedChannel reader, byte[] wire, List<Integer> reads, boolean direct) {
        int at = 0;
        int read = 0;
        while (at < wire.length) {
            int size = read < reads.size() ? Math.min(reads.get(read++), wire.length - at) : wire.length - at;
            ByteBuf buf = direct ? reader.alloc().directBuffer(size) : reader.alloc().heapBuffer(size);
            buf.writeBytes(wire, at, size);
            at += size;
            if (reader.isOpen()) {
                reader.writeInbound(buf);
            } else {
                reader.pipeline().fireChannelRead(buf);
            }
        }
    }

    /** What the application should see: the error (exact, or its start), and whether a goodbye was announced. */
    /** {@code closedQuietly}: no error reaches the application, yet the decoder closes the channel. */
    record Outcome(String error, boolean exact, boolean goodbye, boolean closedQuietly) {
        static final Outcome NONE = new Outcome(null, true, false, false);

        static Outcome exactly(String error) {
            return new Outcome(error, true, false, false);
        }
    }

    /** One hostile thing in place of frame {@code k + 1}. */
    interface Hostile {
        /** Its bytes; {@code nonce} is the header nonce frame k + 1 would use, {@code offset} its plaintext's. */
        byte[] wire(byte[] key, byte[] nonce, long offset);

        /** Whether valid frames may follow it (a truncated frame is followed by the end of input only). */
        default boolean mayBeFollowed() {
            return true;
        }

        /** The outcome after {@code k} good frames, with {@code trailing} bytes of valid frames behind it. */
        Outcome outcome(int k, int trailing, Ending ending);
    }

    /** A valid frame with one bit flipped in its 34-byte header. */
    record HeaderFlip(int length, int position, int bit) implements Hostile {
        @Override
        public byte[] wire(byte[] key, byte[] nonce, long offset) {
            byte[] f = Frames.frame(key, nonce, length, TestBytes.range(offset, length));
            f[position] ^= (byte) (1 << bit);
            return f;
        }

        @Override
        public Outcome outcome(int k, int trailing, Ending ending) {
            return Outcome.exactly("shs: box-stream header " + (k + 1) + AUTH_FAILED);
        }
    }

    /** A valid frame with one bit flipped in its body. */
    record BodyFlip(int length, int position, int bit) implements Hostile {
        @Override
        public byte[] wire(byte[] key, byte[] nonce, long offset) {
            byte[] f = Frames.frame(key, nonce, length, TestBytes.range(offset, length));
            f[34 + position] ^= (byte) (1 << bit);
            return f;
        }

        @Override
        public Outcome outcome(int k, int trailing, Ending ending) {
            return Outcome.exactly("shs: box-stream body " + (k + 1) + AUTH_FAILED);
        }
    }

    /** A properly encrypted header announcing more than 4096 bytes, and a body of another length. */
    record Oversized(int announced, int length) implements Hostile {
        @Override
        public byte[] wire(byte[] key, byte[] nonce, long offset) {
            return Frames.frame(key, nonce, announced, TestBytes.range(offset, length));
        }

        @Override
        public Outcome outcome(int k, int trailing, Ending ending) {
            return Outcome.exactly("shs: box-stream frame " + (k + 1) + " announces a body of " + announced
                    + " bytes, over the 4096-byte limit");
        }
    }

    /** The goodbye, then a valid frame under the next nonces or random bytes. */
    record GoodbyeThenData(byte[] data, boolean validFrame) implements Hostile {
        @Override
        public byte[] wire(byte[] key, byte[] nonce, long offset) {
            byte[] goodbye = new byte[34];
            NativeSodium.require(SODIUM.crypto_secretbox_easy(goodbye, new byte[18], 18, nonce, key), "box");
            byte[] after = validFrame ? Frames.frame(key, Frames.nonceAfter(nonce, 2), data.length, data) : data;
            return NativeSodium.concat(goodbye, after);
        }

        @Override
        public Outcome outcome(int k, int trailing, Ending ending) {
            // The application's input ended cleanly at the goodbye, however the reads were cut; whatever follows is
            // a violation that closes the connection without turning that clean end into an error.
            return new Outcome(null, true, true, data.length + trailing > 0);
        }

        @Override
        public String toString() {
            return "GoodbyeThenData[" + (validFrame ? "a valid frame of " : "random ") + data.length + " bytes]";
        }
    }

    /** The first {@code cut} bytes of a valid frame, then nothing more. */
    record Truncated(int length, int cut) implements Hostile {
        @Override
        public byte[] wire(byte[] key, byte[] nonce, long offset) {
            byte[] f = Frames.frame(key, nonce, length, TestBytes.range(offset, length));
            return Arrays.copyOf(f, cut);
        }

        @Override
        public boolean mayBeFollowed() {
            return false;
        }

        @Override
        public Outcome outcome(int k, int trailing, Ending ending) {
            if (ending == Ending.NONE) {
                return Outcome.NONE; // the rest may still come: buffered, nothing delivered
            }
            return Outcome.exactly(TRUNCATED + (cut == 0 ? " after " + k + " frames"
                    : cut < 34 ? " in the middle of a header (" + cut + " of 34 bytes)"
                    : " in the middle of frame " + (k + 1) + " (" + (cut - 34) + " of " + length + " body bytes)"));
        }
    }

    /** Random bytes where a frame belongs. */
    record Garbage(byte[] bytes) implements Hostile {
        @Override
        public byte[] wire(byte[] key, byte[] nonce, long offset) {
            return bytes.clone();
        }

        @Override
        public Outcome outcome(int k, int trailing, Ending ending) {
            int buffered = bytes.length + trailing;
            if (buffered >= 34) {
                return Outcome.exactly("shs: box-stream header " + (k + 1) + AUTH_FAILED);
            }
            return ending == Ending.NONE ? Outcome.NONE
                    : Outcome.exactly(TRUNCATED + " in the middle of a header (" + buffered + " of 34 bytes)");
        }

        @Override
        public String toString() {
            return "Garbage[" + bytes.length + " bytes]";
        }
    }

    /** Mostly small bodies (fast), sometimes up to the 4096-byte limit, and the edges. */
    @Provide
    Arbitrary<Integer> bodyLengths() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(0, 64)),
                Tuple.of(1, Arbitraries.integers().between(65, 4096)),
                Tuple.of(1, Arbitraries.of(0, 1, 4095, 4096)));
    }

    @Provide
    Arbitrary<Hostile> hostile() {
        Arbitrary<Integer> lengths = bodyLengths();
        Arbitrary<Integer> bits = Arbitraries.integers().between(0, 7);
        Arbitrary<Hostile> headerFlip = Combinators.combine(lengths, Arbitraries.integers().between(0, 33), bits)
                .as(HeaderFlip::new);
        Arbitrary<Hostile> bodyFlip = lengths.filter(n -> n > 0).flatMap(n -> Combinators.combine(
                Arbitraries.integers().between(0, n - 1), bits).as((position, bit) -> new BodyFlip(n, position, bit)));
        Arbitrary<Hostile> oversized = Combinators.combine(Arbitraries.integers().between(4097, 65535),
                Arbitraries.integers().between(0, 64)).as(Oversized::new);
        Arbitrary<Hostile> goodbye = Combinators.combine(
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(100), Arbitraries.of(true, false))
                .as(GoodbyeThenData::new);
        Arbitrary<Hostile> truncated = lengths.flatMap(n -> Arbitraries.integers().between(0, 34 + n - 1)
                .map(cut -> new Truncated(n, cut)));
        Arbitrary<Hostile> garbage = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(200)
                .map(Garbage::new);
        return Arbitraries.oneOf(headerFlip, bodyFlip, oversized, goodbye, truncated, garbage);
    }

    /** The recorder, plus how many errors arrived and how much plaintext had arrived before the first one. */
    static final class App extends Recorder {
        int errors;
        int bytesAtError = -1;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (errors++ == 0) {
                bytesAtError = bytes().length;
            }
            super.exceptionCaught(ctx, cause);
        }
    }
}
