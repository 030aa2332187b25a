package org.multiserver.shs2;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.DialException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;
import org.multiserver.testing.NettyLeakDetection;

/**
 * Bad shs2 handshakes through real sockets on 127.0.0.1, against one real {@code net~shs2} MultiServer (500 ms
 * handshake deadline) that keeps serving throughout: raw-socket peers ({@link RawShs2Client}) send random bytes,
 * every prefix of messages 1 and 3 (then end their output, or stay silent), low-order ephemeral keys under valid
 * MACs, forged message 3s (another signer, small-order keys with the identity as R and S = 0), the wrong network or
 * server key, payloads an authorizer refuses, throws on, fails or never answers, one byte at a time slower than the
 * deadline. For every such peer the server reports exactly one error, an {@link Shs2HandshakeException} naming the
 * message; writes nothing after the failure (0 bytes when message 1 failed, exactly message 2's 64 when message 3
 * did); and closes the socket itself. The other way round, a raw fake server ({@link FakeServer}) sends bad or cut
 * messages 2 and 4 to a MultiServer client, whose connect fails naming the message and which sends nothing after.
 * After every test a long-lived honest connection still echoes, a new honest client connects and echoes, and no
 * Netty buffer leaked.
 *
 * <p>The {@code @Test}s run in JUnit Jupiter, each with a {@code @Timeout} (on the methods: jqwik, which reads this
 * class too, warns about JUnit annotations on it); the {@code @Property}s run in jqwik, which has no timeout, so
 * every wait in them is bounded by a socket read timeout or a future's timeout instead. Tries come
 * from {@code jqwik.tries.default} (2000 in the build).
 */
class HostileHandshakeTest {
    private static final Duration DEADLINE = Duration.ofMillis(500);
    /** What no wait here may exceed: far above any honest step, so only a hang reaches it. */
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final byte[] OTHER_NETWORK = Crypto.hash("another network".getBytes(US_ASCII));
    private static final String DEADLINE_TEXT = "shs2: handshake deadline of 500 ms passed while waiting for the ";

    /** The authorizer's decision, chosen by the first byte of the client's payload. */
    private static final byte ALLOW = 0;
    private static final byte REFUSE = 1;
    private static final byte THROW = 2;
    private static final byte FAIL = 3;
    private static final byte NULL = 4;
    private static final byte REFUSE_LATER = 5;
    private static final byte NEVER = 6;

    /** X25519 points of small order (libsodium's list), and the same with the ignored top bit set. */
    static final List<byte[]> LOW_ORDER_X25519;
    /** Ed25519 encodings of small-order points: the identity, order 2 and 8 points, a non-canonical zero. */
    static final List<byte[]> SMALL_ORDER_ED25519 = List.of(
            hex("0100000000000000000000000000000000000000000000000000000000000000"),
            hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
            hex("0000000000000000000000000000000000000000000000000000000000000000"));

    static {
        List<byte[]> points = new ArrayList<>();
        for (String p : List.of(
                "0000000000000000000000000000000000000000000000000000000000000000",
                "0100000000000000000000000000000000000000000000000000000000000000",
                "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
                "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
                "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")) {
            byte[] point = hex(p);
            points.add(point);
            byte[] high = point.clone();
            high[31] ^= (byte) 0x80;
            points.add(high);
        }
        LOW_ORDER_X25519 = List.copyOf(points);
    }

    private static Fixture f;

    // ---- lifecycle: Jupiter runs the @Tests, jqwik the @Propertys, each with its own fixture ----

    @BeforeAll
    static void startForJupiter() throws Exception {
        f = new Fixture();
    }

    @AfterAll
    static void stopForJupiter() {
        f.close();
    }

    @BeforeContainer
    static void startForJqwik() throws Exception {
        NettyLeakDetection.install();
        f = new Fixture();
    }

    @AfterContainer
    static void stopForJqwik() {
        f.close();
    }

    @AfterEach
    void theServerStillServes() throws Exception {
        f.honestClientsStillServed();
    }

    @AfterProperty
    void theServerStillServesAndNothingLeaked() throws Exception {
        f.honestClientsStillServed();
        assertThat(NettyLeakDetection.collect()).as("Netty buffer leaks").isNull();
    }

    // ---- server side: message 1 ----

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void randomBytes_areRejectedAtMessage1() throws Exception {
        Random random = new Random(1);
        for (int length : new int[] {64, 65, 100, 144, 300, 2000}) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            try (Probe p = new Probe()) {
                p.send(bytes);
                assertThat(p.end(Ending.STAY, 1)).as("%d random bytes", length)
                        .startsWith("shs2: rejected the client hello (message 1): its auth tag is invalid");
            }
        }
    }

    /** Every prefix of a real message 1, then a FIN: a hang-up before message 1. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void truncatedMessage1_thenEnds() throws Exception {
        for (int cut = 0; cut < SecretHandshake2.HELLO_BYTES; cut++) {
            try (Probe p = new Probe()) {
                p.send(RawShs2Client.prefix(p.client.message1(), cut));
                assertThat(p.end(Ending.FIN, 1)).as("cut at %d", cut)
                        .startsWith("shs2: the client hung up before its hello (message 1)");
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void silentPeer_hitsTheDeadlineAtMessage1() throws Exception {
        try (Probe p = new Probe()) {
            assertThat(p.end(Ending.STAY, 1)).isEqualTo(DEADLINE_TEXT + "client hello (message 1)");
        }
    }

    /** The JS server dies of an uncaught exception on some of these; ours drops that peer only. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void lowOrderEphemeralKeys_withValidMacs_areRejectedAtMessage1() throws Exception {
        for (byte[] point : LOW_ORDER_X25519) {
            try (Probe p = new Probe()) {
                p.send(RawShs2Client.concat(point, Crypto.auth(RawShs2Client.SSB_NETWORK, point)));
                assertThat(p.end(Ending.STAY, 1)).as(HexFormat.of().formatHex(point))
                        .isEqualTo("shs2: rejected the client hello (message 1): it carries a low-order ephemeral"
                                + " key");
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void wrongNetworkKey_isRejectedAtMessage1() throws Exception {
        try (Probe p = new Probe(new RawShs2Client(OTHER_NETWORK, RawShs2Client.freshKeys(), f.serverKey, null))) {
            p.send(p.client.message1());
            assertThat(p.end(Ending.STAY, 1)).startsWith("shs2: rejected the client hello (message 1): its auth tag"
                    + " is invalid: wrong network key");
        }
        // The same through a MultiServer client on another network: it hears nothing but the hang-up.
        try (MultiServer other = MultiServer.builder().listen("net~shs2").handshakeTimeout(BOUND)
                .option(Shs2TransformProvider.NETWORK_KEY, KeyText.format(OTHER_NETWORK)).build()) {
            Shs2HandshakeException error = f.connectFails(other, f.address, 2);
            assertThat(error).hasMessageStartingWith("shs2: the server hung up instead of sending its hello"
                    + " (message 2)");
        }
        assertThat(f.nextUnregisteredError()).hasMessageContaining("(message 1): its auth tag is invalid");
    }

    // ---- server side: message 3 ----

    /** Every prefix of the real message 3, then a FIN: a hang-up at message 3, after exactly message 2. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void truncatedMessage3_thenEnds() throws Exception {
        for (int cut = 0; cut < SecretHandshake2.AUTHENTICATE_BYTES; cut++) {
            try (Probe p = new Probe()) {
                p.send(RawShs2Client.prefix(p.helloAndMessage3(), cut));
                assertThat(p.end(Ending.FIN, 3)).as("cut at %d", cut)
                        .startsWith("shs2: the client hung up instead of authenticating (message 3)");
            }
        }
    }

    /**
     * Every prefix of messages 1 and 3, then silence: all 208 peers at once (each is waited for by its own
     * deadline), so this takes one deadline, not 208. Message 1's peers get nothing, message 3's exactly message 2.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void truncatedMessages_thenSilent_hitTheDeadline() throws Exception {
        List<Probe> probes = new ArrayList<>();
        try {
            for (int cut = 0; cut < SecretHandshake2.HELLO_BYTES; cut++) {
                Probe p = new Probe();
                probes.add(p);
                p.send(RawShs2Client.prefix(p.client.message1(), cut));
            }
            for (int cut = 0; cut < SecretHandshake2.AUTHENTICATE_BYTES; cut++) {
                Probe p = new Probe();
                probes.add(p);
                p.send(RawShs2Client.prefix(p.helloAndMessage3(), cut));
            }
            for (int i = 0; i < probes.size(); i++) {
                int message = i < SecretHandshake2.HELLO_BYTES ? 1 : 3;
                String waitingFor = message == 1 ? "client hello (message 1)" : "client authenticate (message 3)";
                assertThat(probes.get(i).end(Ending.STAY, message)).as("prefix %d", i)
                        .isEqualTo(DEADLINE_TEXT + waitingFor);
            }
        } finally {
            probes.forEach(Probe::close);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void randomBytesAsMessage3_areRejectedAtMessage3() throws Exception {
        Random random = new Random(3);
        for (int length : new int[] {144, 145, 200, 1000}) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            try (Probe p = new Probe()) {
                p.helloAndMessage3();
                p.send(bytes);
                assertThat(p.end(Ending.STAY, 3)).startsWith("shs2: rejected the client authenticate (message 3):"
                        + " it does not decrypt");
            }
        }
    }

    /**
     * Messages 3 that decrypt (we hold the real k3) but carry a signature that must not verify: by another key, or
     * claiming another key, over a proof for another server, and the "Prime, Order Please!" universal forgery: a
     * small-order A_p with R = the identity and S = 0, which a cofactorless verifier without small-order checks
     * accepts for any message.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void forgedMessage3_isRejectedAtMessage3() throws Exception {
        LongTermKeys other = RawShs2Client.freshKeys();
        byte[] payload = new byte[32];
        List<Forgery> forgeries = new ArrayList<>(List.of(
                new Forgery("signed by another key", (c, proof) ->
                        RawShs2Client.concat(Crypto.sign(other.secretKey, proof), c.keys.publicKey, payload)),
                new Forgery("claims another key", (c, proof) ->
                        RawShs2Client.concat(Crypto.sign(c.keys.secretKey, proof), other.publicKey, payload)),
                new Forgery("proof for another server key", (c, proof) -> {
                    byte[] wrong = proof.clone();
                    System.arraycopy(other.publicKey, 0, wrong, 32, 32);
                    return RawShs2Client.concat(Crypto.sign(c.keys.secretKey, wrong), c.keys.publicKey, payload);
                }),
                new Forgery("signature of zeros", (c, proof) ->
                        RawShs2Client.concat(new byte[64], c.keys.publicKey, payload))));
        for (byte[] point : SMALL_ORDER_ED25519) {
            forgeries.add(new Forgery("small-order A_p " + HexFormat.of().formatHex(point) + ", R = identity, S = 0",
                    (c, proof) -> RawShs2Client.concat(SMALL_ORDER_ED25519.get(0), new byte[32], point, payload)));
        }
        for (Forgery forgery : forgeries) {
            try (Probe p = new Probe()) {
                p.send(p.client.message1());
                p.send(p.forgedMessage3(forgery));
                assertThat(p.end(Ending.STAY, 3)).as(forgery.what())
                        .isEqualTo("shs2: rejected the client authenticate (message 3): the client's signature is"
                                + " invalid");
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void wrongServerKey_isRejectedAtMessage3() throws Exception {
        try (Probe p = new Probe(new RawShs2Client(RawShs2Client.freshKeys().publicKey))) {
            p.send(p.helloAndMessage3());
            assertThat(p.end(Ending.STAY, 3)).isEqualTo("shs2: rejected the client authenticate (message 3): it does"
                    + " not decrypt: the client dialled another server key, or it was damaged");
        }
        // A MultiServer client that dials another key: the server hangs up on its message 3.
        String wrong = f.address.substring(0, f.address.lastIndexOf(":") + 1)
                + KeyText.format(RawShs2Client.freshKeys().publicKey);
        Shs2HandshakeException error = f.connectFails(f.client, wrong, 4);
        assertThat(error).hasMessageStartingWith("shs2: the server hung up instead of accepting (message 4)");
        assertThat(f.nextUnregisteredError()).hasMessageContaining("(message 3): it does not decrypt");
    }

    /** An authorizer that refuses (at once or later), throws, fails, returns null: close before message 4. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void authorizerThatRefusesOrBreaks_closesBeforeMessage4() throws Exception {
        Map<Byte, String> expected = Map.of(
                REFUSE, " not authorized (message 3)",
                REFUSE_LATER, " not authorized (message 3)",
                THROW, " (message 3): java.lang.IllegalStateException: the authorizer broke",
                FAIL, " (message 3): java.lang.IllegalStateException: the authorizer's lookup failed",
                NULL, " (message 3): java.lang.NullPointerException: the authorizer returned null");
        for (Map.Entry<Byte, String> e : expected.entrySet()) {
            RawShs2Client client = clientWithPayload(e.getKey());
            try (Probe p = new Probe(client)) {
                p.send(p.helloAndMessage3());
                String who = KeyText.format(client.keys.publicKey);
                assertThat(p.end(Ending.STAY, 3)).as("payload %d", e.getKey())
                        .startsWith("shs2: ")
                        .contains(who)
                        .endsWith(e.getValue());
            }
        }
        // Through a MultiServer client whose address carries the refused payload.
        byte[] refused = new byte[32];
        refused[0] = REFUSE;
        Shs2HandshakeException error = f.connectFails(f.client, f.address + ":" + KeyText.format(refused), 4);
        assertThat(error).hasMessageStartingWith("shs2: the server hung up instead of accepting (message 4)");
        assertThat(f.nextUnregisteredError()).hasMessageEndingWith(" not authorized (message 3)");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void authorizerThatNeverAnswers_hitsTheDeadline() throws Exception {
        try (Probe p = new Probe(clientWithPayload(NEVER))) {
            p.send(p.helloAndMessage3());
            assertThat(p.end(Ending.STAY, 3)).isEqualTo(DEADLINE_TEXT + "authorize decision (message 3)");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void silentAfterMessage1_hitsTheDeadlineAtMessage3() throws Exception {
        try (Probe p = new Probe()) {
            p.send(p.client.message1());
            p.readMessage2();
            assertThat(p.end(Ending.STAY, 3)).isEqualTo(DEADLINE_TEXT + "client authenticate (message 3)");
        }
    }

    /** One byte every 20 ms: message 1 would take 1.3 s, message 3 2.9 s; the deadline is 500 ms for the whole. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void tricklingPeer_hitsTheDeadline() throws Exception {
        try (Probe p = new Probe()) {
            try (Trickle t = new Trickle(p.socket, p.client.message1())) {
                assertThat(p.end(Ending.STAY, 1)).isEqualTo(DEADLINE_TEXT + "client hello (message 1)");
                assertThat(t.sent()).as("bytes trickled before the server hung up").isLessThan(64);
            }
        }
        try (Probe p = new Probe()) {
            p.send(p.client.message1());
            try (Trickle t = new Trickle(p.socket, p.client.message3(p.readMessage2()))) {
                assertThat(p.end(Ending.STAY, 3)).isEqualTo(DEADLINE_TEXT + "client authenticate (message 3)");
                assertThat(t.sent()).isLessThan(144);
            }
        }
    }

    // ---- client side: a raw fake server sends bad messages 2 and 4 to a MultiServer client ----

    /** Message 2 with each of its 512 bits flipped in turn, random, under other keys: rejected, nothing sent. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void badMessage2_failsTheConnectAtMessage2() throws Exception {
        List<Bad> bads = new ArrayList<>();
        for (int bit = 0; bit < 512; bit++) {
            int b = bit;
            bads.add(new Bad("bit " + b, m2 -> RawShs2Client.flip(m2, b)));
        }
        bads.add(new Bad("random", m2 -> randomBytes(64, 2)));
        bads.add(new Bad("tag keyed with the network key only (shs1's way)", m2 ->
                RawShs2Client.concat(Arrays.copyOf(m2, 32), Crypto.auth(RawShs2Client.SSB_NETWORK,
                        Arrays.copyOf(m2, 32)))));
        for (byte[] point : LOW_ORDER_X25519) {
            // A tag that is valid for the all-zero shared secret such a key yields.
            byte[] key = Crypto.hash(RawShs2Client.SSB_NETWORK, new byte[32]);
            bads.add(new Bad("low-order " + HexFormat.of().formatHex(point), m2 ->
                    RawShs2Client.concat(point, Crypto.auth(key, point))));
        }
        for (Bad bad : bads) {
            Answer answer = f.fake.expect(c -> c.send(bad.change().apply(c.answerMessage1())));
            Shs2HandshakeException error = f.connectFails(f.client, f.fake.address(), 2);
            assertThat(error).as(bad.what()).hasMessageStartingWith("shs2: rejected the server hello (message 2): ");
            answer.answered.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(answer.fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).as("bytes the client sent, %s",
                    bad.what()).isEqualTo(64);
        }
        // A well-formed message 2 of a server on another network: b_p | Auth(Hash(N' | ab), b_p).
        Answer answer = f.fake.expect(c -> {
            byte[] a = Arrays.copyOf(c.readMessage1(), 32);
            byte[] secret = Crypto.random32();
            byte[] b = Crypto.dhBase(secret);
            byte[] key = Crypto.hash(OTHER_NETWORK, Crypto.dh(secret, a));
            c.send(RawShs2Client.concat(b, Crypto.auth(key, b)));
        });
        assertThat(f.connectFails(f.client, f.fake.address(), 2)).hasMessageContaining("its auth tag is invalid");
        assertThat(answer.fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(64);
    }

    /** Every prefix of message 2, then the fake server ends its output, or stays silent (all at once). */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void truncatedMessage2_failsTheConnectAtMessage2() throws Exception {
        for (int cut = 0; cut < 64; cut++) {
            int n = cut;
            Answer answer = f.fake.expect(c -> {
                c.send(RawShs2Client.prefix(c.answerMessage1(), n));
                c.socket.shutdownOutput();
            });
            assertThat(f.connectFails(f.client, f.fake.address(), 2)).as("cut at %d", cut)
                    .hasMessageStartingWith("shs2: the server hung up instead of sending its hello (message 2)");
            assertThat(answer.fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(64);
        }
        List<Answer> answers = new ArrayList<>();
        List<CompletableFuture<Connection>> connects = new ArrayList<>();
        for (int cut = 0; cut < 64; cut++) {
            int n = cut;
            answers.add(f.fake.expect(c -> c.send(RawShs2Client.prefix(c.answerMessage1(), n))));
            connects.add(f.client.connect(f.fake.address()));
        }
        for (int i = 0; i < connects.size(); i++) {
            assertThat(Fixture.failure(connects.get(i), 2)).as("silent after %d bytes", i)
                    .hasMessage(DEADLINE_TEXT + "server hello (message 2)");
            assertThat(answers.get(i).fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(64);
        }
    }

    /**
     * Message 4 with bits flipped, random, signed by another key, signed over the 192-byte proof (with the payload),
     * boxed under k3 instead of k4, or taken from another session: rejected, nothing sent after message 3.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void badMessage4_failsTheConnectAtMessage4() throws Exception {
        // An honest session first, for a message 4 to replay in another.
        Answer honest = f.fake.expect(c -> c.send(c.answerMessage3()));
        f.client.connect(f.fake.address()).get(BOUND.toSeconds(), TimeUnit.SECONDS).abort();
        byte[] replayed = honest.message4.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        honest.fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS);

        LongTermKeys other = RawShs2Client.freshKeys();
        List<Accept> bads = new ArrayList<>();
        for (int bit = 0; bit < 640; bit++) {
            int b = bit;
            bads.add(new Accept("bit " + b, (r, m4) -> RawShs2Client.flip(m4, b)));
        }
        bads.add(new Accept("random", (r, m4) -> randomBytes(80, 4)));
        bads.add(new Accept("signed by another key", (r, m4) ->
                Crypto.encryptZeroNonce(r.acceptKey, Crypto.sign(other.secretKey, r.proof4()))));
        bads.add(new Accept("signed over the 192-byte proof", (r, m4) ->
                Crypto.encryptZeroNonce(r.acceptKey, Crypto.sign(r.local.secretKey,
                        RawShs2Client.concat(r.proof4(), r.payload)))));
        bads.add(new Accept("boxed under k3", (r, m4) ->
                Crypto.encryptZeroNonce(r.authenticateKey, Crypto.sign(r.local.secretKey, r.proof4()))));
        bads.add(new Accept("another session's message 4", (r, m4) -> replayed));
        for (Accept bad : bads) {
            Answer answer = f.fake.expect(c -> c.send(bad.change().apply(c.responder, c.answerMessage3())));
            assertThat(f.connectFails(f.client, f.fake.address(), 4)).as(bad.what())
                    .hasMessageStartingWith("shs2: rejected the server accept (message 4): ");
            assertThat(answer.fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).as("bytes the client sent, %s",
                    bad.what()).isEqualTo(64 + 144);
        }
    }

    /**
     * Every prefix of message 4, then a FIN, or silence. The silent ones run one after another up to their prefix
     * (each fake answer finished before the next client dials, so every client is surely waiting for message 4),
     * then the deadlines pass together.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void truncatedMessage4_failsTheConnectAtMessage4() throws Exception {
        for (int cut = 0; cut < 80; cut++) {
            int n = cut;
            Answer answer = f.fake.expect(c -> {
                c.send(RawShs2Client.prefix(c.answerMessage3(), n));
                c.socket.shutdownOutput();
            });
            assertThat(f.connectFails(f.client, f.fake.address(), 4)).as("cut at %d", cut)
                    .hasMessageStartingWith("shs2: the server hung up instead of accepting (message 4)");
            assertThat(answer.fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(208);
        }
        List<Answer> answers = new ArrayList<>();
        List<CompletableFuture<Connection>> connects = new ArrayList<>();
        for (int cut = 0; cut < 80; cut++) {
            int n = cut;
            Answer answer = f.fake.expect(c -> c.send(RawShs2Client.prefix(c.answerMessage3(), n)));
            answers.add(answer);
            connects.add(f.client.connect(f.fake.address()));
            answer.answered.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }
        for (int i = 0; i < connects.size(); i++) {
            assertThat(Fixture.failure(connects.get(i), 4)).as("silent after %d bytes", i)
                    .hasMessage(DEADLINE_TEXT + "server accept (message 4)");
            assertThat(answers.get(i).fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(208);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void silentServer_failsTheConnectAtMessage2() throws Exception {
        Answer answer = f.fake.expect(c -> c.readMessage1());
        assertThat(f.connectFails(f.client, f.fake.address(), 2))
                .hasMessage(DEADLINE_TEXT + "server hello (message 2)");
        assertThat(answer.fromClient.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(64);
    }

    // ---- properties ----

    /** How a hostile peer ends after its bytes: a FIN, a reset, or it stays (the server must hang up itself). */
    enum Ending { FIN, RESET, STAY }

    /**
     * Anything where message 1 belongs: random bytes, the real message 1 with bits flipped and maybe cut or
     * extended, a low-order key under a valid MAC, another network's message 1; written in random pieces.
     */
    @Property
    void hostileMessage1(@ForAll("message1s") Bad bad, @ForAll Ending ending, @ForAll("pieces") List<Integer> pieces)
            throws Exception {
        try (Probe p = new Probe()) {
            byte[] bytes = bad.change().apply(p.client.message1());
            p.sendInPieces(bytes, pieces);
            String error = p.end(ending == Ending.STAY && bytes.length < 64 ? Ending.FIN : ending, 1);
            assertThat(error).as(bad.what()).startsWith("shs2: ");
        }
    }

    /**
     * An honest message 1, then anything where message 3 belongs: random bytes, the real message 3 changed, a
     * forgery under the real k3, an honest message 3 for another server key, or one whose payload the authorizer
     * refuses or fails on; written in random pieces.
     */
    @Property
    void hostileMessage3(@ForAll("message3s") Bad3 bad, @ForAll Ending ending,
                         @ForAll("pieces") List<Integer> pieces) throws Exception {
        try (Probe p = new Probe(bad.client().get())) {
            p.send(p.client.message1());
            byte[] bytes = bad.make().apply(p);
            p.sendInPieces(bytes, pieces);
            String error = p.end(ending == Ending.STAY && bytes.length < 144 ? Ending.FIN : ending, 3);
            assertThat(error).as(bad.what()).startsWith("shs2: ");
        }
    }

    /** A change to a message, described. */
    record Bad(String what, UnaryOperator<byte[]> change) {
        @Override
        public String toString() {
            return what;
        }
    }

    interface Message3Maker {
        byte[] apply(Probe p) throws Exception;
    }

    interface ClientMaker {
        RawShs2Client get();
    }

    record Bad3(String what, ClientMaker client, Message3Maker make) {
        @Override
        public String toString() {
            return what;
        }
    }

    @Provide
    Arbitrary<Bad> message1s() {
        Arbitrary<Bad> random = Arbitraries.integers().between(0, 200).flatMap(n -> Arbitraries.longs().map(seed ->
                new Bad(n + " random bytes (seed " + seed + ")", m1 -> randomBytes(n, seed))));
        Arbitrary<Bad> mutated = mutations(64).map(m -> new Bad("message 1 " + m, m::apply));
        Arbitrary<Bad> lowOrder = Combinators.combine(Arbitraries.integers().between(0, LOW_ORDER_X25519.size() - 1),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(100)).as((i, tail) -> {
                    byte[] point = LOW_ORDER_X25519.get(i);
                    return new Bad("low-order point " + i + ", +" + tail.length + " bytes", m1 ->
                            RawShs2Client.concat(point, Crypto.auth(RawShs2Client.SSB_NETWORK, point), tail));
                });
        Arbitrary<Bad> otherNetwork = Arbitraries.bytes().array(byte[].class).ofMaxSize(100).map(tail ->
                new Bad("another network's message 1, +" + tail.length + " bytes", m1 -> {
                    byte[] a = Arrays.copyOf(m1, 32);
                    return RawShs2Client.concat(a, Crypto.auth(OTHER_NETWORK, a), tail);
                }));
        return Arbitraries.frequencyOf(Tuple.of(2, random), Tuple.of(4, mutated), Tuple.of(1, lowOrder),
                Tuple.of(1, otherNetwork));
    }

    @Provide
    Arbitrary<Bad3> message3s() {
        ClientMaker honest = () -> new RawShs2Client(f.serverKey);
        Arbitrary<Bad3> random = Arbitraries.integers().between(0, 300).flatMap(n -> Arbitraries.longs().map(seed ->
                new Bad3(n + " random bytes", honest, p -> {
                    p.readMessage2();
                    return randomBytes(n, seed);
                })));
        Arbitrary<Bad3> mutated = mutations(144).map(m -> new Bad3("message 3 " + m, honest,
                p -> m.apply(p.client.message3(p.readMessage2()))));
        Arbitrary<byte[]> tails = Arbitraries.oneOf(Arbitraries.just(new byte[0]),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(100));
        Arbitrary<Bad3> forged = Combinators.combine(Arbitraries.integers().between(0, 3 + SMALL_ORDER_ED25519.size()),
                tails).as((kind, tail) -> new Bad3("forgery " + kind + ", +" + tail.length + " bytes", honest, p -> {
                    LongTermKeys other = RawShs2Client.freshKeys();
                    byte[] payload = new byte[32];
                    Forgery forgery = switch (kind) {
                        case 0 -> new Forgery("another signer", (c, proof) ->
                                RawShs2Client.concat(Crypto.sign(other.secretKey, proof), c.keys.publicKey, payload));
                        case 1 -> new Forgery("claims another key", (c, proof) ->
                                RawShs2Client.concat(Crypto.sign(c.keys.secretKey, proof), other.publicKey, payload));
                        case 2 -> new Forgery("signs another proof", (c, proof) ->
                                RawShs2Client.concat(Crypto.sign(c.keys.secretKey, RawShs2Client.flip(proof, 700)),
                                        c.keys.publicKey, payload));
                        case 3 -> new Forgery("random signature", (c, proof) ->
                                RawShs2Client.concat(randomBytes(64, kind), c.keys.publicKey, payload));
                        default -> new Forgery("small-order key", (c, proof) -> RawShs2Client.concat(
                                SMALL_ORDER_ED25519.get(0), new byte[32], SMALL_ORDER_ED25519.get(kind - 4), payload));
                    };
                    return RawShs2Client.concat(p.forgedMessage3(forgery), tail);
                }));
        Arbitrary<Bad3> wrongServer = tails.map(tail -> new Bad3("for another server key, +" + tail.length
                + " bytes", () -> new RawShs2Client(RawShs2Client.freshKeys().publicKey),
                p -> RawShs2Client.concat(p.client.message3(p.readMessage2()), tail)));
        Arbitrary<Bad3> unauthorized = Combinators.combine(
                Arbitraries.of(REFUSE, THROW, FAIL, NULL, REFUSE_LATER), tails).as((decision, tail) ->
                new Bad3("payload " + decision + ", +" + tail.length + " bytes", () -> clientWithPayload(decision),
                        p -> RawShs2Client.concat(p.client.message3(p.readMessage2()), tail)));
        return Arbitraries.frequencyOf(Tuple.of(2, random), Tuple.of(4, mutated), Tuple.of(2, forged),
                Tuple.of(1, wrongServer), Tuple.of(1, unauthorized));
    }

    /** How the bad bytes are written: in pieces of these sizes, each flushed, the rest in one. */
    @Provide
    Arbitrary<List<Integer>> pieces() {
        return Arbitraries.integers().between(1, 100).list().ofMaxSize(5);
    }

    /** Bit flips at distinct positions inside a message of {@code length}, then maybe a cut, then maybe a tail. */
    record Mutation(List<int[]> flips, int cut, byte[] tail) {
        byte[] apply(byte[] message) {
            byte[] m = message.clone();
            for (int[] flip : flips) {
                m[flip[0]] ^= (byte) (1 << flip[1]);
            }
            if (cut >= 0) {
                m = Arrays.copyOf(m, Math.min(cut, m.length));
            }
            byte[] out = RawShs2Client.concat(m, tail);
            // A cut before the flips and a tail that happens to restore them would rebuild the real message.
            if (out.length >= message.length && Arrays.equals(out, 0, message.length, message, 0, message.length)) {
                out[flips.get(0)[0]] ^= (byte) (1 << flips.get(0)[1]);
            }
            return out;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("flips");
            flips.forEach(flip -> s.append(' ').append(flip[0]).append('.').append(flip[1]));
            return s + (cut >= 0 ? ", cut to " + cut : "") + (tail.length > 0 ? ", +" + tail.length + " bytes" : "");
        }
    }

    private static Arbitrary<Mutation> mutations(int length) {
        Arbitrary<List<int[]>> flips = Arbitraries.integers().between(0, length - 1).list().ofMinSize(1).ofMaxSize(4)
                .uniqueElements()
                .flatMap(positions -> Arbitraries.integers().between(0, 7).list().ofSize(positions.size())
                        .map(bits -> {
                            List<int[]> l = new ArrayList<>();
                            for (int i = 0; i < positions.size(); i++) {
                                l.add(new int[] {positions.get(i), bits.get(i)});
                            }
                            return l;
                        }));
        Arbitrary<Integer> cut = Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, length));
        Arbitrary<byte[]> tail = Arbitraries.oneOf(Arbitraries.just(new byte[0]),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(150));
        return Combinators.combine(flips, cut, tail).as(Mutation::new);
    }

    // ---- the hostile peer ----

    interface Plaintext3 {
        byte[] of(RawShs2Client client, byte[] proof3);
    }

    /** A message 3 plaintext ({@code sig3 | A_p | payload}) of our own, given proof3. */
    record Forgery(String what, Plaintext3 plaintext) {
    }

    private static RawShs2Client clientWithPayload(byte decision) {
        byte[] payload = new byte[32];
        payload[0] = decision;
        payload[31] = 42;
        return new RawShs2Client(RawShs2Client.SSB_NETWORK, RawShs2Client.freshKeys(), f.serverKey, payload);
    }

    /**
     * One raw connection to the server, registered by its port so the server's error for it can be told apart from
     * every other's. {@link #end} checks what the server did.
     */
    static final class Probe implements AutoCloseable {
        final RawShs2Client client;
        final Socket socket;
        final int port;
        final Errors.Peer peer;
        /** Bytes the server sent that we read as messages. */
        int received;

        Probe() throws IOException {
            this(new RawShs2Client(f.serverKey));
        }

        Probe(RawShs2Client client) throws IOException {
            this.client = client;
            this.socket = RawShs2Client.dial(f.address, BOUND);
            this.port = socket.getLocalPort();
            this.peer = f.errors.register(port);
        }

        void send(byte[] bytes) {
            RawShs2Client.send(socket, bytes);
        }

        void sendInPieces(byte[] bytes, List<Integer> pieces) {
            int at = 0;
            for (int piece : pieces) {
                if (at >= bytes.length || !RawShs2Client.send(socket, bytes, at, Math.min(bytes.length, at + piece))) {
                    return;
                }
                at = Math.min(bytes.length, at + piece);
            }
            RawShs2Client.send(socket, bytes, at, bytes.length);
        }

        byte[] readMessage2() throws IOException {
            byte[] m2 = RawShs2Client.readExactly(socket.getInputStream(), 64, "message 2");
            received += m2.length;
            return m2;
        }

        /** Sends message 1, reads message 2 and returns the honest message 3 (not sent). */
        byte[] helloAndMessage3() throws Exception {
            send(client.message1());
            return client.message3(readMessage2());
        }

        /** Reads message 2 and returns a message 3 with our plaintext under the real k3 (not sent). */
        byte[] forgedMessage3(Forgery forgery) throws Exception {
            return client.message3With(readMessage2(), proof -> forgery.plaintext().of(client, proof));
        }

        /**
         * Ends as told, then checks: the server reported exactly one error for this peer, an
         * {@link Shs2HandshakeException} naming {@code message}; it wrote nothing after the messages we read
         * (nothing at all when message 1 failed, message 2 only when message 3 did); it closed the socket.
         *
         * @return the error's message
         */
        String end(Ending ending, int message) throws Exception {
            byte[] after = null;
            switch (ending) {
                case FIN -> {
                    RawShs2Client.fin(socket);
                    after = RawShs2Client.readUntilClosed(socket);
                }
                case STAY -> after = RawShs2Client.readUntilClosed(socket);
                case RESET -> RawShs2Client.reset(socket);
            }
            Throwable error;
            try {
                error = peer.first.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("no server error for the peer on port " + port + " within " + BOUND);
            }
            close();
            assertThat(peer.all).as("server errors for this peer").hasSize(1);
            assertThat(error).isInstanceOf(Shs2HandshakeException.class);
            assertThat(error.getMessage()).startsWith("shs2: ").contains("(message " + message + ")");
            assertThat(received).as("the messages the server sent before it failed").isEqualTo(message == 1 ? 0 : 64);
            if (after != null) {
                assertThat(after).as("bytes the server wrote after it failed (%s)", error.getMessage()).isEmpty();
            }
            return error.getMessage();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            f.errors.unregister(port, peer);
        }
    }

    /** Writes {@code bytes} one every 20 ms until done or the server hangs up. */
    static final class Trickle implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger sent = new AtomicInteger();
        private final ScheduledFuture<?> task;

        Trickle(Socket socket, byte[] bytes) {
            task = timer.scheduleAtFixedRate(() -> {
                int i = sent.get();
                if (i >= bytes.length || !RawShs2Client.send(socket, bytes, i, i + 1)) {
                    throw new IllegalStateException("done"); // ends the schedule
                }
                sent.incrementAndGet();
            }, 0, 20, TimeUnit.MILLISECONDS);
        }

        int sent() {
            return sent.get();
        }

        @Override
        public void close() {
            task.cancel(false);
            timer.shutdownNow();
        }
    }

    // ---- the raw fake server, for the client side ----

    interface Script {
        void answer(FakeConnection c) throws Exception;
    }

    interface AcceptChange {
        byte[] apply(SecretHandshake2.Responder responder, byte[] honestMessage4) throws Exception;
    }

    /** A change to an honest message 4, with the responder's state (k3, k4, proof4) at hand. */
    record Accept(String what, AcceptChange change) {
    }

    /** One accepted connection's script and what came of it. */
    static final class Answer {
        final Script script;
        /** The script ran: everything it wrote is written. */
        final CompletableFuture<Void> answered = new CompletableFuture<>();
        /** Every byte the client sent, counted until it closed its side. */
        final CompletableFuture<Integer> fromClient = new CompletableFuture<>();
        /** The honest message 4, when the script made one. */
        final CompletableFuture<byte[]> message4 = new CompletableFuture<>();

        Answer(Script script) {
            this.script = script;
        }
    }

    /** One connection of the fake server: a {@link SecretHandshake2.Responder} and counted input. */
    static final class FakeConnection {
        final Socket socket;
        final Answer answer;
        final SecretHandshake2.Responder responder;
        final CountingInput in;
        final OutputStream out;

        FakeConnection(Socket socket, Answer answer, LongTermKeys keys) throws IOException {
            this.socket = socket;
            this.answer = answer;
            this.responder = new SecretHandshake2.Responder(RawShs2Client.SSB_NETWORK, keys, null);
            this.in = new CountingInput(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        byte[] readMessage1() throws IOException {
            return RawShs2Client.readExactly(in, 64, "message 1");
        }

        /** Reads message 1 and returns the honest message 2 (not sent). */
        byte[] answerMessage1() throws Exception {
            return responder.readHello(readMessage1());
        }

        /** Runs messages 1 to 3 honestly and returns the honest message 4 (not sent). */
        byte[] answerMessage3() throws Exception {
            send(answerMessage1());
            responder.readAuthenticate(RawShs2Client.readExactly(in, 144, "message 3"));
            byte[] m4 = responder.accept();
            answer.message4.complete(m4.clone());
            return m4;
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }
    }

    static final class CountingInput extends FilterInputStream {
        int count;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** A plain ServerSocket playing an shs2 server: each accepted connection runs the next queued {@link Answer}. */
    static final class FakeServer implements AutoCloseable {
        final LongTermKeys keys = RawShs2Client.freshKeys();
        private final ServerSocket listener;
        private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
        private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-shs2-server");
            t.setDaemon(true);
            return t;
        });
        final List<String> problems = new CopyOnWriteArrayList<>();

        FakeServer() throws IOException {
            listener = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
            threads.execute(this::acceptLoop);
        }

        String address() {
            return "net:127.0.0.1:" + listener.getLocalPort() + "~shs2:" + KeyText.format(keys.publicKey);
        }

        Answer expect(Script script) {
            Answer answer = new Answer(script);
            answers.add(answer);
            return answer;
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                Socket s;
                try {
                    s = listener.accept();
                } catch (IOException e) {
                    return; // closed
                }
                Answer answer = answers.poll();
                if (answer == null) {
                    problems.add("a connection nobody expected from port " + s.getPort());
                    closeQuietly(s);
                    continue;
                }
                threads.execute(() -> run(s, answer));
            }
        }

        private void run(Socket s, Answer answer) {
            try (s) {
                s.setSoTimeout((int) BOUND.toMillis());
                FakeConnection c = new FakeConnection(s, answer, keys);
                try {
                    answer.script.answer(c);
                    answer.answered.complete(null);
                } catch (Exception e) {
                    answer.answered.completeExceptionally(e);
                }
                try {
                    byte[] buffer = new byte[4096];
                    while (c.in.read(buffer) >= 0) {
                        // count what the client sends until it closes
                    }
                } catch (SocketTimeoutException e) {
                    answer.fromClient.completeExceptionally(new AssertionError("the client kept the connection"
                            + " open for " + BOUND + " after " + c.in.count + " bytes"));
                    return;
                } catch (SocketException e) {
                    // a reset: closed all the same
                }
                answer.fromClient.complete(c.in.count);
            } catch (IOException e) {
                answer.fromClient.completeExceptionally(e);
            }
        }

        @Override
        public void close() {
            closeQuietly(listener);
            threads.shutdownNow();
        }

        private static void closeQuietly(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    // ---- the fixture ----

    /** Server errors by the peer's port: each registered probe gets its own, the rest are kept apart. */
    static final class Errors implements MultiServer.ServerErrorHandler {
        static final class Peer {
            final List<Throwable> all = new CopyOnWriteArrayList<>();
            final CompletableFuture<Throwable> first = new CompletableFuture<>();
        }

        private final Map<Integer, Peer> peers = new ConcurrentHashMap<>();
        final BlockingQueue<Throwable> unregistered = new LinkedBlockingQueue<>();

        Peer register(int port) {
            Peer peer = new Peer();
            if (peers.putIfAbsent(port, peer) != null) {
                throw new IllegalStateException("port " + port + " is registered already");
            }
            return peer;
        }

        void unregister(int port, Peer peer) {
            peers.remove(port, peer);
        }

        @Override
        public void onError(String remote, String stack, Throwable error) {
            int port = Integer.parseInt(remote.substring(remote.lastIndexOf(':') + 1));
            Peer peer = peers.get(port);
            if (peer == null) {
                unregistered.add(error);
                return;
            }
            peer.all.add(error);
            peer.first.complete(error);
        }
    }

    /** The server under attack, an honest client MultiServer, a long-lived honest connection, the fake server. */
    static final class Fixture implements AutoCloseable {
        final Errors errors = new Errors();
        final MultiServer server;
        final MultiServer client;
        final String address;
        final byte[] serverKey;
        final FakeServer fake;
        final ExecutorService readers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "honest-reader");
            t.setDaemon(true);
            return t;
        });
        final List<String> uncaught = new CopyOnWriteArrayList<>();
        private final Thread.UncaughtExceptionHandler previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        private final Connection longLived;

        Fixture() throws Exception {
            Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(t.getName() + ": " + e));
            server = MultiServer.builder().listen("net:127.0.0.1:0~shs2").onServerError(errors)
                    .handshakeTimeout(DEADLINE)
                    .option(Shs2TransformProvider.AUTHORIZE, HostileHandshakeTest::authorize)
                    .build();
            address = server.listen(HostileHandshakeTest::echo).get(BOUND.toSeconds(), TimeUnit.SECONDS)
                    .stringify(Scope.DEVICE);
            serverKey = RawShs2Client.serverKey(address);
            client = MultiServer.builder().listen("net~shs2").handshakeTimeout(DEADLINE).build();
            fake = new FakeServer();
            longLived = client.connect(address).get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }

        /** The long-lived connection still echoes; a new honest client connects and echoes; nothing else broke. */
        void honestClientsStillServed() throws Exception {
            longLived.output().write(42);
            assertThat(longLived.input().read()).as("the long-lived connection's echo").isEqualTo(42);
            Connection honest = client.connect(address).get(BOUND.toSeconds(), TimeUnit.SECONDS);
            byte[] data = randomBytes(20_000, 7);
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return honest.input().readAllBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, readers);
            honest.output().write(data);
            honest.output().close();
            assertThat(back.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(data);
            honest.close();
            assertThat(errors.unregistered).as("server errors nobody expected").isEmpty();
            assertThat(fake.problems).as("fake server problems").isEmpty();
            assertThat(uncaught).as("uncaught exceptions").isEmpty();
        }

        /** The one server error for a MultiServer client's connection (its port is not ours to know). */
        Throwable nextUnregisteredError() throws InterruptedException {
            Throwable error = errors.unregistered.poll(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(error).as("the server's error for the MultiServer client").isNotNull();
            assertThat(error).isInstanceOf(Shs2HandshakeException.class);
            return error;
        }

        /** Connects with {@code dialer} and expects the handshake to fail naming {@code message}. */
        Shs2HandshakeException connectFails(MultiServer dialer, String to, int message) throws Exception {
            return failure(dialer.connect(to), message);
        }

        static Shs2HandshakeException failure(CompletableFuture<Connection> connect, int message) throws Exception {
            try {
                Connection c = connect.get(BOUND.toSeconds(), TimeUnit.SECONDS);
                c.abort();
                return fail("connected although the handshake should fail at message " + message);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(DialException.class);
                DialException connectError = (DialException) e.getCause();
                assertThat(connectError.getMessage()).contains("(message " + message + ")");
                assertThat(connectError.attempts()).hasSize(1);
                Throwable cause = connectError.attempts().get(0).cause();
                assertThat(cause).isInstanceOf(Shs2HandshakeException.class);
                assertThat(cause.getMessage()).startsWith("shs2: ").contains("(message " + message + ")");
                return (Shs2HandshakeException) cause;
            }
        }

        @Override
        public void close() {
            longLived.abort();
            fake.close();
            client.close();
            server.close();
            readers.shutdownNow();
            Thread.setDefaultUncaughtExceptionHandler(previousHandler);
        }
    }

    private static CompletionStage<Boolean> authorize(String clientKey, byte[] payload) {
        return switch (payload[0]) {
            case REFUSE -> CompletableFuture.completedFuture(false);
            case THROW -> throw new IllegalStateException("the authorizer broke");
            case FAIL -> CompletableFuture.failedFuture(new IllegalStateException("the authorizer's lookup failed"));
            case NULL -> null;
            case REFUSE_LATER -> CompletableFuture.supplyAsync(() -> false,
                    CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS));
            case NEVER -> new CompletableFuture<>();
            default -> CompletableFuture.completedFuture(true);
        };
    }

    private static void echo(Connection connection) {
        try (InputStream in = connection.input(); OutputStream out = connection.output()) {
            in.transferTo(out);
        } catch (IOException e) {
            connection.close();
        }
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text);
    }
}
