package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * The step vectors of npm {@code test-secret-handshake@1.0.2}: 159 calls of JS {@code secret-handshake}'s
 * {@code crypto.js}, recorded while its test suite ran, each run here against our {@link SecretHandshake} state
 * machine as a dynamic test named after the vector ({@code vector 12: clean (client)}, the index as the JS suite
 * counts). Provenance and license: {@code src/test/resources/conformance/test-secret-handshake-1.0.2.NOTICE.md}.
 *
 * <p>The JS steps take and mutate a state object; ours is an object that only moves forward. So each vector builds
 * a fresh {@code Client} or {@code Server} from what its JS state holds (app key, long-term keys, the ephemeral
 * secret {@code kx_sk}, the server key a client dials), feeds it the peer messages that side had received by then,
 * runs the vector's step and compares everything our machine shows: messages 1 to 4, accept or reject (with the
 * phase in our error), the client key the server learns, and the box-stream keys and nonces. JS-only fields of the
 * state ({@code secret}, {@code shash}, {@code a_bob}, {@code b_alice}, {@code secret3}) are not visible in ours;
 * they are checked through what is derived from them (message 3 must open under the vector's {@code secret2} to its
 * {@code hello}, message 4 and the session keys must match).
 *
 * <p>Where a step's own state lacks an input (the recorder snapshots the state after the call, so a {@code clean}
 * state is already wiped), it comes from the same session's other vectors, found by the side's ephemeral public key:
 * the wiped {@code kx_sk} from {@code random}, as JS {@code initialize} derives it, and message 3 or 4 from the
 * {@code serverVerifyAuth} or {@code clientVerifyAccept} vector that received it.
 */
class JsStepVectorsTest {
    private static final String RESOURCE = "/conformance/test-secret-handshake-1.0.2.json";
    private static final List<Vector> VECTORS = load();

    /** The steps of {@code crypto.js} that map onto our state machine, and how many vectors of each the suite has. */
    private static final Map<String, Integer> MAPPED_STEPS = Map.of(
            "initialize", 34, "createChallenge", 31, "verifyChallenge", 30, "clientVerifyChallenge", 14,
            "clientCreateAuth", 12, "serverVerifyAuth", 12, "clean", 12, "serverCreateAccept", 6,
            "clientVerifyAccept", 6, "toKeys", 2);

    /**
     * Vectors that do not map onto our state machine, by index, with the reason. None: every step of
     * {@code crypto.js} has a counterpart (see {@link #run}), including {@code clean}, whose product is the
     * box-stream keys, and {@code toKeys}, which builds the long-term key pair ({@link ShsKeyPair} here). What does
     * not map is inside vectors, not whole vectors: the JS-only state fields named in the class comment, and
     * {@code clean}'s zero-filling of buffers (ours wipes in {@code destroy}, which shows nothing to compare).
     */
    private static final Map<Integer, String> DOES_NOT_MAP = Map.of();

    @TestFactory
    Stream<DynamicTest> everyVectorThatMaps() {
        return VECTORS.stream()
                .filter(v -> !DOES_NOT_MAP.containsKey(v.index))
                .map(v -> dynamicTest(v.displayName(), () -> runNamed(v)));
    }

    /** Surefire's reports name dynamic tests by position ([12]), so a failure names its vector itself. */
    private static void runNamed(Vector v) {
        try {
            run(v);
        } catch (Exception | AssertionError e) {
            throw new AssertionError(v.displayName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * No silent skips: every vector either runs (its step is one of {@link #MAPPED_STEPS}, each with the count the
     * suite has; a step without a mapping fails in {@link #run}) or is listed in {@link #DOES_NOT_MAP}; together
     * exactly the 159, none twice.
     */
    @Test
    void all159VectorsAreAccountedFor() {
        assertThat(VECTORS).hasSize(159);
        assertThat(DOES_NOT_MAP.keySet()).allMatch(i -> i >= 0 && i < VECTORS.size());
        List<Vector> running = VECTORS.stream().filter(v -> !DOES_NOT_MAP.containsKey(v.index)).toList();
        Map<String, Long> perStep = running.stream()
                .collect(Collectors.groupingBy(Vector::name, Collectors.counting()));
        assertThat(perStep).containsOnlyKeys(MAPPED_STEPS.keySet());
        MAPPED_STEPS.forEach((step, count) -> assertThat(perStep.get(step)).as(step).isEqualTo(count.longValue()));
        assertThat(running.size() + DOES_NOT_MAP.size()).isEqualTo(VECTORS.size());
    }

    private static void run(Vector v) throws Exception {
        switch (v.name) {
            case "initialize" -> initialize(v);
            case "createChallenge" -> createChallenge(v);
            case "verifyChallenge" -> verifyChallenge(v);
            case "clientVerifyChallenge" -> clientVerifyChallenge(v);
            case "clientCreateAuth" -> clientCreateAuth(v);
            case "serverVerifyAuth" -> serverVerifyAuth(v);
            case "serverCreateAccept" -> serverCreateAccept(v);
            case "clientVerifyAccept" -> clientVerifyAccept(v);
            case "clean" -> clean(v);
            case "toKeys" -> toKeys(v);
            default -> throw new AssertionError("no mapping for step " + v.name);
        }
    }

    /** JS derives the ephemeral pair from a 32-byte seed and the long-term pair from {@code seed} if given. */
    private static void initialize(Vector v) throws HandshakeException {
        State in = v.state();
        State out = v.resultState();
        if (in.has("seed")) {
            assertThat(ShsKeyPair.fromSeed(in.bytes("seed")).publicKey()).isEqualTo(out.local("publicKey"));
        }
        byte[] ephemeralSecret = ephemeralFromSeed(in.bytes("random"));
        assertThat(hex(ephemeralSecret)).isEqualTo(hex(out.local("kx_sk")));
        byte[] expectedChallenge = concat(out.local("app_mac"), out.local("kx_pk"));
        byte[] challenge;
        if (in.isClient()) {
            challenge = new SecretHandshake.Client(in.appKey(), in.localKeys(), in.remote("publicKey"),
                    ephemeralSecret).clientChallenge();
        } else {
            // A server shows its challenge only as the answer to a valid one: dial it with a client of ours.
            SecretHandshake.Server server = new SecretHandshake.Server(in.appKey(), in.localKeys(), ephemeralSecret);
            byte[] anyClientChallenge = new SecretHandshake.Client(in.appKey(), ShsKeyPair.generate(),
                    in.local("publicKey")).clientChallenge();
            challenge = server.readClientChallenge(anyClientChallenge);
        }
        assertThat(hex(challenge)).isEqualTo(hex(expectedChallenge));
    }

    private static void createChallenge(Vector v) throws HandshakeException {
        State s = v.state();
        byte[] challenge = s.isClient() ? s.client().clientChallenge()
                : s.server().readClientChallenge(s.peerChallenge());
        assertThat(hex(challenge)).isEqualTo(v.resultHex());
    }

    private static void verifyChallenge(Vector v) throws HandshakeException {
        State s = v.state();
        byte[] challenge = v.bytesArg(1);
        if (s.isClient()) {
            // Our client checks message 2 and answers it in one step, which covers clientVerifyChallenge too.
            SecretHandshake.Client client = s.client();
            client.clientChallenge();
            expectOutcome(v, () -> client.readServerChallenge(challenge), "shs: server challenge invalid (message 2)");
        } else {
            SecretHandshake.Server server = s.server();
            expectOutcome(v, () -> server.readClientChallenge(challenge), "shs: client challenge invalid (message 1)");
        }
    }

    private static void clientVerifyChallenge(Vector v) throws HandshakeException {
        State s = v.state();
        assertThat(s.isClient()).isTrue();
        SecretHandshake.Client client = s.client();
        client.clientChallenge();
        byte[][] message3 = new byte[1][];
        expectOutcome(v, () -> message3[0] = client.readServerChallenge(v.bytesArg(1)),
                "shs: server challenge invalid (message 2)");
        if (!v.rejected()) {
            // JS keeps hello (signature | client key) and secret2; message 3 is hello boxed under secret2.
            State out = v.resultState();
            byte[] opened = NativeSodium.secretOpenZeroNonce(message3[0], out.bytes("secret2"));
            assertThat(opened).as("message 3 opened with the vector's secret2").isNotNull();
            assertThat(hex(opened)).isEqualTo(hex(out.local("hello")));
        }
    }

    private static void clientCreateAuth(Vector v) throws HandshakeException {
        State s = v.state();
        assertThat(s.isClient()).isTrue();
        SecretHandshake.Client client = s.client();
        client.clientChallenge();
        assertThat(hex(client.readServerChallenge(s.peerChallenge()))).isEqualTo(v.resultHex());
    }

    private static void serverVerifyAuth(Vector v) throws HandshakeException {
        State s = v.state();
        assertThat(s.isClient()).isFalse();
        SecretHandshake.Server server = s.server();
        server.readClientChallenge(s.peerChallenge());
        byte[][] clientKey = new byte[1][];
        expectOutcome(v, () -> clientKey[0] = server.readClientAuth(v.bytesArg(1)),
                "shs: client auth invalid (message 3)");
        if (!v.rejected()) {
            assertThat(hex(clientKey[0])).isEqualTo(hex(v.resultState().remote("publicKey")));
        }
    }

    private static void serverCreateAccept(Vector v) throws HandshakeException {
        State s = v.state();
        assertThat(s.isClient()).isFalse();
        SecretHandshake.Server server = s.server();
        server.readClientChallenge(s.peerChallenge());
        server.readClientAuth(received(s, "serverVerifyAuth"));
        assertThat(hex(server.accept().message4())).isEqualTo(v.resultHex());
    }

    private static void clientVerifyAccept(Vector v) throws HandshakeException {
        State s = v.state();
        assertThat(s.isClient()).isTrue();
        SecretHandshake.Client client = s.client();
        client.clientChallenge();
        client.readServerChallenge(s.peerChallenge());
        BoxStreamKeys[] keys = new BoxStreamKeys[1];
        expectOutcome(v, () -> keys[0] = client.readServerAccept(v.bytesArg(1)),
                "shs: server accept invalid (message 4)");
        if (!v.rejected()) {
            assertThat(keys[0].remotePublicKey).isEqualTo(s.remote("publicKey"));
        }
    }

    /**
     * JS {@code clean} derives the session keys, ours come out of the last step; the nonces are the ones JS
     * {@code protocol.js} takes (the first 24 bytes of the peer's and of our challenge MAC).
     */
    private static void clean(Vector v) throws HandshakeException {
        State s = v.state();
        BoxStreamKeys keys;
        if (s.isClient()) {
            SecretHandshake.Client client = s.client();
            client.clientChallenge();
            client.readServerChallenge(s.peerChallenge());
            keys = client.readServerAccept(received(s, "clientVerifyAccept"));
        } else {
            SecretHandshake.Server server = s.server();
            server.readClientChallenge(s.peerChallenge());
            server.readClientAuth(received(s, "serverVerifyAuth"));
            keys = server.accept().keys();
        }
        State out = v.resultState();
        assertThat(hex(keys.encryptKey)).isEqualTo(hex(out.bytes("encryptKey")));
        assertThat(hex(keys.decryptKey)).isEqualTo(hex(out.bytes("decryptKey")));
        assertThat(hex(keys.encryptNonce)).isEqualTo(hex(Arrays.copyOf(out.remote("app_mac"), 24)));
        assertThat(hex(keys.decryptNonce)).isEqualTo(hex(Arrays.copyOf(out.local("app_mac"), 24)));
        assertThat(hex(keys.remotePublicKey)).isEqualTo(hex(out.remote("publicKey")));
    }

    /** JS {@code toKeys}: a 32-byte seed becomes its key pair; a key pair object passes through. */
    private static void toKeys(Vector v) {
        JsonNode arg = v.args.get(0);
        JsonNode result = v.result;
        ShsKeyPair keys = arg.isTextual() ? ShsKeyPair.fromSeed(unhex(arg.asText()))
                : ShsKeyPair.fromSecretKey(unhex(arg.get("secretKey").asText()));
        assertThat(hex(keys.publicKey())).isEqualTo(result.get("publicKey").asText());
        assertThat(hex(keys.secretKeyUnsafe())).isEqualTo(result.get("secretKey").asText());
    }

    /** A null JS result is a rejection: ours must throw the phase's error; otherwise it must not throw. */
    private static void expectOutcome(Vector v, Executable step, String rejection) {
        HandshakeException e = catchThrowableOfType(() -> step.execute(), HandshakeException.class);
        if (v.rejected()) {
            assertThat(e).as("JS rejects this; ours must too").isNotNull();
            assertThat(e.getMessage()).startsWith(rejection);
        } else {
            assertThat(e).as("JS accepts this; ours must too").isNull();
        }
    }

    /** The message a side of the same session received in the given step (that vector's second argument). */
    private static byte[] received(State side, String step) {
        byte[] ephemeral = side.local("kx_pk");
        List<Vector> found = VECTORS.stream()
                .filter(v -> v.name.equals(step) && Arrays.equals(v.state().local("kx_pk"), ephemeral))
                .toList();
        assertThat(found).as("the %s vector of the session of %s", step, hex(ephemeral)).hasSize(1);
        return found.get(0).bytesArg(1);
    }

    /** As JS initialize: the Ed25519 key pair of the seed, converted to X25519. */
    private static byte[] ephemeralFromSeed(byte[] random) {
        return NativeSodium.curveSecretKey(ShsKeyPair.fromSeed(random).secretKeyUnsafe());
    }

    /** One recorded call: the step's name, its arguments (the state after the call first) and its result. */
    private record Vector(int index, String name, JsonNode args, JsonNode result) {
        State state() {
            return new State(args.get(0));
        }

        State resultState() {
            return new State(result);
        }

        boolean rejected() {
            return result.isNull();
        }

        byte[] bytesArg(int i) {
            return unhex(args.get(i).asText());
        }

        String resultHex() {
            return result.asText();
        }

        String displayName() {
            String side = name.equals("toKeys") ? "" : state().isClient() ? " (client)" : " (server)";
            return "vector " + index + ": " + name + side + (rejected() ? ", rejected" : "");
        }
    }

    /** A JS handshake state object: hex buffers under app_key, local, remote, random, seed, secret2, .... */
    private record State(JsonNode node) {
        /**
         * The client knows the server's key from the start and keeps its own hello; a server learns the client's
         * key only with message 3, and keeps it under remote with the client's hello.
         */
        boolean isClient() {
            JsonNode remote = node.path("remote");
            return remote.hasNonNull("publicKey") && !remote.has("hello");
        }

        boolean has(String field) {
            return node.hasNonNull(field);
        }

        byte[] bytes(String field) {
            return required(node.get(field), field);
        }

        byte[] local(String field) {
            return required(node.path("local").get(field), "local." + field);
        }

        byte[] remote(String field) {
            return required(node.path("remote").get(field), "remote." + field);
        }

        byte[] appKey() {
            return bytes("app_key");
        }

        ShsKeyPair localKeys() {
            ShsKeyPair keys = ShsKeyPair.fromSecretKey(local("secretKey"));
            assertThat(keys.publicKey()).isEqualTo(local("publicKey"));
            return keys;
        }

        /** kx_sk, or where clean wiped it, what initialize derived it from. */
        byte[] ephemeralSecret() {
            return node.path("local").hasNonNull("kx_sk") ? local("kx_sk") : ephemeralFromSeed(bytes("random"));
        }

        /** The peer's challenge as this side verified it: its MAC and ephemeral key, kept under remote. */
        byte[] peerChallenge() {
            return concat(remote("app_mac"), remote("kx_pk"));
        }

        SecretHandshake.Client client() throws HandshakeException {
            return new SecretHandshake.Client(appKey(), localKeys(), remote("publicKey"), ephemeralSecret());
        }

        SecretHandshake.Server server() {
            return new SecretHandshake.Server(appKey(), localKeys(), ephemeralSecret());
        }

        private static byte[] required(JsonNode value, String field) {
            if (value == null || !value.isTextual()) {
                throw new IllegalArgumentException("the vector's state has no hex value " + field);
            }
            return unhex(value.asText());
        }
    }

    private static List<Vector> load() {
        try (InputStream in = JsStepVectorsTest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + RESOURCE);
            }
            List<Vector> vectors = new ArrayList<>();
            for (JsonNode node : new ObjectMapper().readTree(in)) {
                vectors.add(new Vector(vectors.size(), node.get("name").asText(), node.get("args"),
                        node.get("result")));
            }
            return List.copyOf(vectors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return NativeSodium.concat(a, b);
    }

    private static byte[] unhex(String text) {
        return HexFormat.of().parseHex(text);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
