package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.HandshakeException;
import org.multiserver.shs.RawShs;
import org.multiserver.spi.Scope;
import org.multiserver.testing.NettyLeakDetection;

/**
 * Random and mutated secret-handshake messages 1 and 3 from a raw socket to one real net~shs server, shared by every
 * try. Each try: the server answers nothing it should not (no message 2 to a bad message 1, no message 4 to a bad
 * message 3), reports exactly one error through onServerError, closes the connection within a bound, and no
 * thread dies of an uncaught exception. After each property: an honest client is still served, and Netty's leak
 * detector (PARANOID; jqwik runs outside JUnit Jupiter, so it is called here) found nothing.
 *
 * <p>Tries come from {@code jqwik.tries.default}: 200 in this module ({@code -Djqwik.tries=1000000} for a long run).
 */
class HostileHandshakeTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static MultiServer server;
    private static MultiServer client;
    private static String address;
    private static byte[] serverKey;
    private static Rel.ServerErrors errors;
    private static Rel.Uncaught uncaught;

    @BeforeContainer
    static void start() throws Exception {
        NettyLeakDetection.install();
        uncaught = new Rel.Uncaught();
        errors = new Rel.ServerErrors();
        // A short deadline bounds a try even if the server waited for bytes that never come.
        server = MultiServer.builder().listen("net:127.0.0.1:0~shs").onServerError(errors)
                .handshakeTimeout(Duration.ofSeconds(2)).build();
        address = server.listen(Rel::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        serverKey = RawShs.serverKey(address);
        client = MultiServer.builder().listen("net~shs").build();
    }

    @AfterContainer
    static void stop() {
        client.close();
        server.close();
        uncaught.close();
    }

    @AfterProperty
    void theServerStillServesAndNothingLeaked() throws Exception {
        Connection good = client.connect(address).get(10, TimeUnit.SECONDS);
        byte[] data = Rel.random(10_000, 5);
        assertThat(Rel.roundTrip(good, data)).isEqualTo(data);
        assertThat(uncaught.seen).as("uncaught exceptions").isEmpty();
        String leaks = NettyLeakDetection.collect();
        assertThat(leaks).as("Netty buffer leaks").isNull();
        Figures.report("hostile", "server errors so far " + errors.all.size() + "; an honest client still served");
    }

    /** Arbitrary bytes where message 1 belongs. */
    @Property
    void randomMessage1(@ForAll @Size(max = 300) byte[] bytes, @ForAll boolean reset) throws Exception {
        assertRejected(bytes, null, reset, 0);
    }

    /** A real message 1 with at least one byte changed in its 64 bytes, then cut short or extended. */
    @Property
    void mutatedMessage1(@ForAll("mutations64") Mutation mutation, @ForAll boolean reset) throws Exception {
        byte[] m1 = new RawShs(serverKey).message1();
        assertRejected(mutation.apply(m1), null, reset, 0);
    }

    /** A real message 1, then arbitrary bytes or a mutated real message 3 where message 3 belongs. */
    @Property
    void randomOrMutatedMessage3(@ForAll @Size(max = 300) byte[] random, @ForAll("mutations112") Mutation mutation,
                                 @ForAll boolean useRandom, @ForAll boolean reset) throws Exception {
        RawShs shs = new RawShs(serverKey);
        assertRejected(shs.message1(), m2 -> useRandom ? random : mutation.apply(shs.message3(m2)), reset, 64);
    }

    interface Message3 {
        byte[] of(byte[] message2) throws HandshakeException;
    }

    /**
     * Sends {@code first}; if {@code third} is given, reads message 2 and sends what it returns. Then ends with a FIN
     * (and reads what the server sends until it closes) or a reset.
     */
    private void assertRejected(byte[] first, Message3 third, boolean reset, int expectedBytes) throws Exception {
        int errorsBefore = errors.all.size();
        try (Socket raw = Rel.raw(address, BOUND)) {
            OutputStream out = raw.getOutputStream();
            try {
                out.write(first);
                out.flush();
                if (third != null) {
                    byte[] m2 = raw.getInputStream().readNBytes(64);
                    assertThat(m2).as("message 2 to a real message 1").hasSize(64);
                    out.write(third.of(m2));
                    out.flush();
                }
            } catch (IOException e) {
                // The server may close on the first bad byte while we still write: that is a rejection too.
            }
            if (reset) {
                Rel.reset(raw);
            } else {
                try {
                    raw.shutdownOutput();
                } catch (IOException e) {
                    // already closed by the server
                }
                byte[] answer = Rel.readUntilClosed(raw); // bounded by the read timeout
                assertThat(answer.length).as("bytes the server sent after the last good message")
                        .isEqualTo(third == null ? expectedBytes : 0);
            }
        }
        assertThat(Rel.await(BOUND, () -> errors.all.size() > errorsBefore && server.openConnections() == 0))
                .as("the server reported the peer and closed it; errors %s, open %s", errors.all.size() - errorsBefore,
                        server.openConnections()).isTrue();
        List<Rel.ServerError> mine = errors.all.subList(errorsBefore, errors.all.size());
        assertThat(mine).hasSize(1);
        assertThat(mine.get(0).message()).startsWith("shs: ");
        assertThat(uncaught.seen).isEmpty();
    }

    /** Changes a message: one or more byte flips inside its first {@code length} bytes, then maybe a cut or tail. */
    record Mutation(List<int[]> flips, int cut, byte[] tail) {
        byte[] apply(byte[] message) {
            byte[] m = message.clone();
            for (int[] flip : flips) {
                m[flip[0] % m.length] ^= (byte) flip[1];
            }
            if (cut >= 0) {
                m = Arrays.copyOf(m, Math.min(cut, m.length));
            }
            byte[] out = Arrays.copyOf(m, m.length + tail.length);
            System.arraycopy(tail, 0, out, m.length, tail.length);
            if (out.length >= message.length && Arrays.equals(out, 0, message.length, message, 0, message.length)) {
                out[m.length] ^= 1; // the tail rebuilt what the cut removed: keep the message bad
            }
            return out;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("flips");
            flips.forEach(f -> s.append(" ").append(f[0]).append("^").append(f[1]));
            return s + (cut >= 0 ? ", cut to " + cut : "") + (tail.length > 0 ? ", +" + tail.length + " bytes" : "");
        }
    }

    @Provide
    Arbitrary<Mutation> mutations64() {
        return mutations(64);
    }

    @Provide
    Arbitrary<Mutation> mutations112() {
        return mutations(112);
    }

    /** Flips use distinct positions, so at least one byte of the real message always differs. */
    private static Arbitrary<Mutation> mutations(int length) {
        Arbitrary<List<int[]>> flips = Arbitraries.integers().between(0, length - 1).list().ofMinSize(1)
                .ofMaxSize(4).uniqueElements()
                .flatMap(positions -> Arbitraries.integers().between(1, 255).list().ofSize(positions.size())
                        .map(masks -> {
                            List<int[]> l = new java.util.ArrayList<>();
                            for (int i = 0; i < positions.size(); i++) {
                                l.add(new int[] {positions.get(i), masks.get(i)});
                            }
                            return l;
                        }));
        Arbitrary<Integer> cut = Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, length));
        Arbitrary<byte[]> tail = Arbitraries.oneOf(Arbitraries.just(new byte[0]),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200));
        // A cut before every flip leaves a true prefix of the real message: a truncation, still a bad message.
        return Combinators.combine(flips, cut, tail).as(Mutation::new);
    }
}
