package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.multiserver.testing.NettyLeakDetection;

/**
 * Hostile secret-handshake messages on in-memory channels ({@link EmbeddedPair}): an honest pair runs up to message
 * N, then the side that expects message N gets random bytes, a mutated real message N (flipped bits, cut short,
 * extra bytes behind it) or a well-formed message with a low-order key instead, cut into reads at random boundaries,
 * then its input ends one way or another. That side must fail its result future with a {@link HandshakeException}
 * naming the message, write nothing more, close its channel, and pass nothing to the application handler behind it.
 * Netty's leak detector (PARANOID) is checked after each property: jqwik runs outside JUnit Jupiter.
 *
 * <p>Tries come from {@code jqwik.tries.default} (see the parent pom); a long run:
 * {@code mvn -o surefire:test -Dtest=HostileHandshakePropertiesTest -Djqwik.tries=1000000}.
 */
class HostileHandshakePropertiesTest {
    /** Message sizes, by number. */
    private static final int[] SIZE = {0, 64, 64, 112, 80};

    @BeforeContainer
    static void installLeakDetection() {
        NettyLeakDetection.install();
    }

    @AfterProperty
    void nothingLeaked() {
        assertThat(NettyLeakDetection.collect()).as("Netty buffer leaks").isNull();
    }

    /** How the receiver's input ends after the bad bytes, if the receiver is still open then. */
    enum Ending {
        /** A FIN. */
        FIN,
        /** The connection drops (channelInactive). */
        CLOSE,
        /** A reset: the transport fires an IOException. */
        RESET,
        /** Nothing more comes, and the handshake deadline passes. */
        DEADLINE
    }

    /** Arbitrary bytes, of any length and mostly around the expected one, where message N belongs. */
    @Property
    void randomBytesInPlaceOfAMessage(@ForAll @IntRange(min = 1, max = 4) int message,
                                      @ForAll("lengthOffsets") int lengthOffset, @ForAll long seed,
                                      @ForAll("reads") List<Integer> reads, @ForAll Ending ending) {
        byte[] bytes = new byte[Math.max(0, SIZE[message] + lengthOffset)];
        new Random(seed).nextBytes(bytes);
        assertRejected(message, real -> bytes, reads, ending, "random " + bytes.length + " bytes");
    }

    /** The real message N with at least one bit changed, maybe cut short, maybe with bytes behind it. */
    @Property
    void mutatedRealMessage(@ForAll @IntRange(min = 1, max = 4) int message, @ForAll("mutations") Mutation mutation,
                            @ForAll("reads") List<Integer> reads, @ForAll Ending ending) {
        assertRejected(message, mutation::apply, reads, ending, mutation.toString());
    }

    /**
     * Messages with a valid MAC or box whose key is of low order: an ephemeral key in message 1 or 2 (the shared
     * secret would be all zeros), or a long-term client key in message 3 (see SecretHandshakeTest for the same
     * messages without a channel). Maybe with bytes behind them.
     */
    @Property
    void lowOrderKeys(@ForAll @IntRange(min = 1, max = 3) int message, @ForAll @IntRange(min = 0, max = 6) int point,
                      @ForAll @Size(max = 120) byte[] tail, @ForAll("reads") List<Integer> reads,
                      @ForAll Ending ending) {
        Run run = message == 3 ? Run.claimingKeyInMessage3(LowOrderPoints.ED25519.get(point % 4)) : new Run(message);
        byte[] bad = message == 3 ? run.real
                : NativeSodium.concat(NativeSodium.auth(LowOrderPoints.X25519.get(point), EmbeddedPair.APP),
                        LowOrderPoints.X25519.get(point));
        // Refused for the key itself, not for a broken MAC (message 3 names its signature or the key instead).
        run.reason = message == 3 ? "client auth invalid (message 3): the client" : "its ephemeral key is of low order";
        run.check(NativeSodium.concat(bad, tail), reads, ending, "low-order point " + point + " in message "
                + message + ", +" + tail.length + " bytes");
    }

    interface Bad {
        byte[] from(byte[] realMessage);
    }

    private static void assertRejected(int message, Bad bad, List<Integer> reads, Ending ending, String what) {
        Run run = new Run(message);
        run.check(bad.from(run.real), reads, ending, what);
    }

    /** An honest pair run up to the point where message N is about to arrive at its receiver. */
    private static final class Run {
        final EmbeddedPair pair = new EmbeddedPair();
        final int message;
        final EmbeddedChannel receiver;
        final CompletableFuture<byte[]> result;
        final Recorder app;
        /** The honest message N, taken off the wire instead of delivered. */
        byte[] real;
        /** What the error must contain besides the message number, if anything. */
        String reason = "";

        Run(int message) {
            this(message, true);
        }

        private Run(int message, boolean honest) {
            this.message = message;
            boolean server = message % 2 == 1;
            receiver = server ? pair.server : pair.client;
            result = server ? pair.serverResult : pair.clientResult;
            app = server ? pair.serverApp : pair.clientApp;
            if (!honest) {
                return;
            }
            EmbeddedChannel[] senders = {pair.client, pair.server};
            for (int m = 1; m < message; m++) {
                EmbeddedChannel from = senders[(m - 1) % 2];
                EmbeddedPair.move(from, from == pair.client ? pair.server : pair.client);
            }
            ByteBuf msg = EmbeddedPair.joinOutbound(senders[(message - 1) % 2]);
            real = ByteBufs.drain(msg);
            msg.release();
            assertThat(real).as("honest message %d", message).hasSize(SIZE[message]);
        }

        /**
         * A server that got message 1 from a client of our own making (the honest client's message 1 is dropped), and
         * that client's message 3 claiming {@code key} as its long-term key: we hold the ephemeral secret, so we can
         * box it. The "signature" is R = the identity, S = 0, which a small-order key would accept if not refused.
         */
        static Run claimingKeyInMessage3(byte[] key) {
            Run run = new Run(3, false);
            ((ByteBuf) run.pair.client.readOutbound()).release();
            byte[] eph = new byte[32];
            byte[] ephPublic = new byte[32];
            NativeSodium.SODIUM.crypto_box_keypair(ephPublic, eph);
            run.pair.server.writeInbound(Unpooled.wrappedBuffer(
                    NativeSodium.concat(NativeSodium.auth(ephPublic, EmbeddedPair.APP), ephPublic)));
            ByteBuf m2 = EmbeddedPair.joinOutbound(run.pair.server);
            byte[] msg2 = ByteBufs.drain(m2);
            m2.release();
            assertThat(msg2).as("message 2 to our own message 1").hasSize(64);
            byte[] ab = NativeSodium.scalarMult(eph, Arrays.copyOfRange(msg2, 32, 64));
            byte[] aB = NativeSodium.scalarMult(eph, NativeSodium.curvePublicKey(run.pair.serverKeys.publicKey()));
            byte[] hello = NativeSodium.concat(new byte[64], key);
            hello[0] = 1;
            run.real = NativeSodium.secretBoxZeroNonce(hello, NativeSodium.sha256(EmbeddedPair.APP, ab, aB));
            return run;
        }

        void check(byte[] bad, List<Integer> reads, Ending ending, String what) {
            String context = what + " as message " + message + ", reads " + reads + ", then " + ending;
            assertThat(receiver.<Object>readOutbound()).as("receiver wrote before message %d", message).isNull();
            try {
                deliver(bad, reads);
                if (receiver.isOpen()) { // a closed transport reports nothing more
                    switch (ending) {
                        case FIN -> receiver.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                        case CLOSE -> receiver.unsafe().close(receiver.voidPromise());
                        case RESET -> receiver.pipeline().fireExceptionCaught(
                                new java.io.IOException("Connection reset by peer"));
                        case DEADLINE -> {
                        }
                    }
                }
                // The deadline passes in every case: it must have been cancelled, or must fail a waiting handshake.
                pair.clock.advance(10, TimeUnit.SECONDS);
                receiver.runScheduledPendingTasks();
                receiver.runPendingTasks();
                receiver.checkException();
            } catch (Throwable e) {
                throw new AssertionError("exception out of the channel for " + context + ": " + e, e);
            }

            assertThat(result).as("result after %s", context).isCompletedExceptionally();
            Throwable error = result.handle((ok, e) -> e).join();
            assertThat(error).as("result after %s", context).isInstanceOf(HandshakeException.class);
            // A short message 4 ends in a hang-up, which the client reads as the server rejecting message 3.
            boolean complete = bad.length >= SIZE[message];
            int named = !complete && message == 4 && ending != Ending.DEADLINE ? 3 : message;
            assertThat(error.getMessage()).as("error for %s", context).startsWith("shs: ")
                    .contains("(message " + named + ")");
            if (complete) {
                assertThat(error.getMessage()).as("error for %s", context).contains(" invalid (message ")
                        .contains(reason);
            }
            assertThat(receiver.<Object>readOutbound()).as("bytes written after %s", context).isNull();
            assertThat(receiver.isOpen()).as("receiver open after %s", context).isFalse();
            assertThat(app.bytes()).as("application bytes after %s", context).isEmpty();
            assertThat(app.error).as("application error after %s", context).isNotDone();
            assertThat(app.inputShutdownEvents()).as("application input shutdowns after %s", context).isZero();
            pair.finishBoth();
        }

        /** In reads of the given sizes, the rest in one; reads after a close are ones already on their way. */
        private void deliver(byte[] bytes, List<Integer> reads) {
            int at = 0;
            int read = 0;
            while (at < bytes.length) {
                int size = read < reads.size() ? Math.min(reads.get(read++), bytes.length - at) : bytes.length - at;
                ByteBuf buf = receiver.alloc().buffer(size).writeBytes(bytes, at, size);
                at += size;
                if (receiver.isOpen()) {
                    receiver.writeInbound(buf);
                } else {
                    receiver.pipeline().fireChannelRead(buf);
                }
            }
        }
    }

    /** Mostly near the expected length (one short, exact, one over), sometimes anything from empty to 300 more. */
    @Provide
    Arbitrary<Integer> lengthOffsets() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(-2, 2)),
                Tuple.of(2, Arbitraries.integers().between(-112, 300)));
    }

    @Provide
    Arbitrary<List<Integer>> reads() {
        return Arbitraries.integers().between(1, 120).list().ofMaxSize(6);
    }

    /** Changes a message: bit flips at distinct positions inside it, then maybe a cut, then maybe a tail. */
    record Mutation(List<int[]> flips, int cut, byte[] tail) {
        byte[] apply(byte[] message) {
            byte[] m = message.clone();
            for (int[] flip : flips) {
                m[flip[0] % m.length] ^= (byte) (1 << flip[1]);
            }
            if (cut >= 0) {
                m = Arrays.copyOf(m, Math.min(cut, m.length));
            }
            byte[] out = NativeSodium.concat(m, tail);
            // A cut before the flips and a tail that happens to restore them would rebuild the real message: keep one.
            if (out.length >= message.length && Arrays.equals(out, 0, message.length, message, 0, message.length)) {
                out[flips.get(0)[0] % message.length] ^= (byte) (1 << flips.get(0)[1]);
            }
            return out;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("flips");
            flips.forEach(f -> s.append(" ").append(f[0]).append(".").append(f[1]));
            return s + (cut >= 0 ? ", cut to " + cut : "") + (tail.length > 0 ? ", +" + tail.length + " bytes" : "");
        }
    }

    /** Positions are taken modulo the message's size (64 to 112); apply() makes sure the flips still change it. */
    @Provide
    Arbitrary<Mutation> mutations() {
        Arbitrary<List<int[]>> flips = Arbitraries.integers().between(0, 111).list().ofMinSize(1).ofMaxSize(4)
                .uniqueElements()
                .flatMap(positions -> Arbitraries.integers().between(0, 7).list().ofSize(positions.size())
                        .map(bits -> {
                            List<int[]> l = new ArrayList<>();
                            for (int i = 0; i < positions.size(); i++) {
                                l.add(new int[] {positions.get(i), bits.get(i)});
                            }
                            return l;
                        }));
        Arbitrary<Integer> cut = Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, 112));
        Arbitrary<byte[]> tail = Arbitraries.oneOf(Arbitraries.just(new byte[0]),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(150));
        return Combinators.combine(flips, cut, tail).as(Mutation::new);
    }
}
