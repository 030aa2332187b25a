package org.multiserver.shs2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.shs2.Kat.bytes;
import static org.multiserver.shs2.Kat.bytesOrNull;
import static org.multiserver.shs2.Kat.hex;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * handshake.cases (6): both sides driven by {@link SecretHandshake2} with the vectors' fixed ephemeral secrets, every
 * message, every intermediate, postKnowledge, what pull-secret-handshake2 resolves to on each side, what authorize
 * receives and the 88-byte shs2-test outcome; then the same handshake through the real {@link Shs2HandshakeHandler}s
 * over two EmbeddedChannels, byte for byte.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KatHandshakeTest {

    static Stream<Arguments> cases() {
        List<JsonNode> cases = Kat.handshakeCases();
        assertThat(cases).hasSize(6);
        return IntStream.range(0, cases.size()).mapToObj(i -> Arguments.of(cases.get(i).path("name").asText(), i));
    }

    /** One case's inputs as objects. */
    private static final class Inputs {
        final JsonNode c;
        final JsonNode in;
        final byte[] networkKey;
        final LongTermKeys client;
        final LongTermKeys server;
        final byte[] payload;

        Inputs(int index) {
            c = Kat.handshakeCases().get(index);
            in = c.path("inputs");
            networkKey = bytes(in, "networkKey");
            client = LongTermKeys.fromSeed(bytes(in, "clientSeed"));
            server = LongTermKeys.fromSeed(bytes(in, "serverSeed"));
            payload = bytesOrNull(in, "initiatorAuthPayload");
            assertThat(in.has("initiatorAuthPayload")).isTrue();
        }

        SecretHandshake2.Initiator initiator() {
            return new SecretHandshake2.Initiator(networkKey, client, server.publicKey, payload,
                    bytes(in, "clientEphemeralSecret"));
        }

        SecretHandshake2.Responder responder() {
            return new SecretHandshake2.Responder(networkKey, server, bytes(in, "serverEphemeralSecret"));
        }

        byte[] message(String name) {
            return bytes(c.path("messages"), name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stateMachine(String name, int index) throws Exception {
        Inputs v = new Inputs(index);
        // Long-term keys (crypto_sign_seed_keypair) and ephemeral publics (crypto_scalarmult_base of the unclamped
        // secret) as the reference derived them.
        assertThat(hex(v.client.publicKey)).isEqualTo(v.in.path("clientPublicKey").asText());
        assertThat(hex(v.client.secretKey)).isEqualTo(v.in.path("clientSecretKey").asText());
        assertThat(hex(v.server.publicKey)).isEqualTo(v.in.path("serverPublicKey").asText());
        assertThat(hex(v.server.secretKey)).isEqualTo(v.in.path("serverSecretKey").asText());

        SecretHandshake2.Initiator a = v.initiator();
        SecretHandshake2.Responder b = v.responder();
        assertThat(hex(a.ephemeralPublic)).isEqualTo(v.in.path("clientEphemeralPublic").asText());
        assertThat(hex(b.ephemeralPublic)).isEqualTo(v.in.path("serverEphemeralPublic").asText());

        byte[] msg1 = a.hello();
        assertThat(hex(msg1)).isEqualTo(hex(v.message("msg1")));
        byte[] msg2 = b.readHello(msg1);
        assertThat(hex(msg2)).isEqualTo(hex(v.message("msg2")));
        byte[] msg3 = a.readHello(msg2);
        assertThat(hex(msg3)).isEqualTo(hex(v.message("msg3")));
        byte[] clientKey = b.readAuthenticate(msg3);
        byte[] msg4 = b.accept();
        assertThat(hex(msg4)).isEqualTo(hex(v.message("msg4")));
        ChannelKeys clientKeys = a.readAccept(msg4);
        ChannelKeys serverKeys = b.keys();
        assertThat(List.of(msg1.length, msg2.length, msg3.length, msg4.length)).containsExactly(64, 64, 144, 80);

        checkIntermediates(v.c.path("intermediates"), a, b, msg1, msg2);

        // postKnowledge: identical on both sides; keys through ChannelKeys, the 32-byte nonces kept by the sides.
        JsonNode post = v.c.path("postKnowledge");
        assertThat(hex(clientKeys.encryptKey)).isEqualTo(post.path("initiatorToResponderKey").asText());
        assertThat(hex(serverKeys.decryptKey)).isEqualTo(post.path("initiatorToResponderKey").asText());
        assertThat(hex(clientKeys.decryptKey)).isEqualTo(post.path("responderToInitiatorKey").asText());
        assertThat(hex(serverKeys.encryptKey)).isEqualTo(post.path("responderToInitiatorKey").asText());
        for (SecretHandshake2.Side side : List.of(a, b)) {
            assertThat(hex(side.toResponderNonce)).isEqualTo(post.path("initiatorToResponderNonce").asText());
            assertThat(hex(side.toInitiatorNonce)).isEqualTo(post.path("responderToInitiatorNonce").asText());
        }
        assertThat(hex(b.payload)).isEqualTo(post.path("initiatorAuthPayloadAsSeenByResponder").asText());

        // What pull-secret-handshake2 resolves to on each side, and the 12 bytes the adapter hands the channel.
        JsonNode pull = v.c.path("pullSecretHandshake2");
        checkResolved(pull.path("client"), clientKeys, a.toResponderNonce, a.toInitiatorNonce);
        checkResolved(pull.path("server"), serverKeys, b.toInitiatorNonce, b.toResponderNonce);
        assertThat(pull.path("nonceAdapter").asText()).isEqualTo("nonce.subarray(0, 12)");
        assertThat(hex(clientKeys.remotePublicKey)).isEqualTo(hex(v.server.publicKey));
        assertThat(hex(serverKeys.remotePublicKey)).isEqualTo(hex(v.client.publicKey));

        // authorize(A_p, payload): the key readAuthenticate returns and the payload the handler passes on.
        JsonNode authorized = pull.path("authorizeReceived");
        assertThat(hex(clientKey)).isEqualTo(authorized.path("initiatorStaticVerifyingEd25519Key").asText());
        assertThat(hex(b.payload)).isEqualTo(authorized.path("initiatorAuthPayload").asText());
        byte[] expectedPayload = v.payload == null ? new byte[32] : v.payload;
        assertThat(hex(b.payload)).isEqualTo(hex(expectedPayload));

        // shs2-test: encryptKey || encryptNonce12 || decryptKey || decryptNonce12 of each side.
        JsonNode outcome = v.c.path("shs2TestOutcome");
        assertThat(hex(outcome(clientKeys))).isEqualTo(outcome.path("client").asText());
        assertThat(hex(outcome(serverKeys))).isEqualTo(outcome.path("server").asText());
        assertThat(outcome(clientKeys)).hasSize(88);

        // The caller's destroy() wipes every secret intermediate.
        a.destroy();
        b.destroy();
        for (SecretHandshake2.Side side : List.of(a, b)) {
            for (byte[] secret : List.of(side.ephemeralSecret, side.sharedAb, side.helloKey, side.handshakeId,
                    side.localStaticX, side.sharedAB, side.sharedAb2, side.authenticateKey, side.authenticatePlain,
                    side.acceptKey, side.finalSecret)) {
                assertThat(Crypto.isZero(secret)).isTrue();
            }
        }
    }

    /**
     * Every name in {@code intermediates} maps to where each side keeps it; a name without a mapping fails the test,
     * so a vector cannot go unchecked.
     */
    private static void checkIntermediates(JsonNode intermediates, SecretHandshake2.Initiator a,
                                           SecretHandshake2.Responder b, byte[] msg1, byte[] msg2) {
        Map<String, List<Supplier<byte[]>>> where = new LinkedHashMap<>();
        where.put("clientStaticX25519Public", List.of(() -> b.initiatorStaticX));   // only the responder converts A_p
        where.put("clientStaticX25519Secret", List.of(() -> a.localStaticX));
        where.put("serverStaticX25519Public", List.of(() -> a.responderStaticX));   // only the initiator converts B_p
        where.put("serverStaticX25519Secret", List.of(() -> b.localStaticX));
        where.put("msg1AuthTag", List.of(() -> Arrays.copyOfRange(msg1, 32, 64)));
        where.put("sharedSecret_ab", List.of(() -> a.sharedAb, () -> b.sharedAb));
        where.put("responderHelloMsgKey", List.of(() -> a.helloKey, () -> b.helloKey));
        where.put("msg2AuthTag", List.of(() -> Arrays.copyOfRange(msg2, 32, 64)));
        where.put("handshakeId", List.of(() -> a.handshakeId, () -> b.handshakeId));
        where.put("sharedSecret_aB", List.of(() -> a.sharedAB, () -> b.sharedAB));
        where.put("initiatorAuthProof", List.of(a::proof3, b::proof3)); // the responder's, from its own B_p
        where.put("initiatorAuthProofSig", List.of(() -> a.initiatorSignature, () -> b.initiatorSignature));
        where.put("initiatorAuthMsgPlaintext", List.of(() -> a.authenticatePlain, () -> b.authenticatePlain));
        where.put("initiatorAuthMsgKey", List.of(() -> a.authenticateKey, () -> b.authenticateKey));
        // Crypto.encrypt/decryptZeroNonce's nonce: new byte[NONCE_BYTES]; checked in use by msg3/msg4 above.
        where.put("aeadNonce", List.of(() -> new byte[Crypto.NONCE_BYTES]));
        where.put("sharedSecret_Ab", List.of(() -> a.sharedAb2, () -> b.sharedAb2));
        where.put("responderAuthProof", List.of(a::proof4, b::proof4));
        where.put("responderAuthProofSig", List.of(() -> a.acceptSignature, () -> b.acceptSignature));
        where.put("responderAuthMsgKey", List.of(() -> a.acceptKey, () -> b.acceptKey));
        where.put("sharedSecretFinal", List.of(() -> a.finalSecret, () -> b.finalSecret));

        List<String> names = new ArrayList<>();
        intermediates.fieldNames().forEachRemaining(names::add);
        assertThat(where.keySet()).as("every intermediate of the vectors has a field").containsAll(names);
        assertThat(names).as("every mapped intermediate is in the vectors").containsAll(where.keySet());
        for (String name : names) {
            for (Supplier<byte[]> field : where.get(name)) {
                byte[] value = field.get();
                assertThat(value).as(name).isNotNull();
                assertThat(hex(value)).as(name).isEqualTo(intermediates.path(name).asText());
            }
        }
        // The plain values the messages carry, each side's copy of them.
        assertThat(hex(a.initiatorEphemeral)).isEqualTo(hex(b.initiatorEphemeral));
        assertThat(hex(a.responderEphemeral)).isEqualTo(hex(b.responderEphemeral));
        assertThat(hex(a.initiatorKey)).isEqualTo(hex(b.initiatorKey));
        assertThat(hex(a.responderKey)).isEqualTo(hex(b.responderKey));
    }

    private static void checkResolved(JsonNode expected, ChannelKeys keys, byte[] encryptNonce32,
                                      byte[] decryptNonce32) {
        assertThat(hex(keys.encryptKey)).isEqualTo(expected.path("encryptKey").asText());
        assertThat(hex(keys.decryptKey)).isEqualTo(expected.path("decryptKey").asText());
        assertThat(hex(encryptNonce32)).isEqualTo(expected.path("encryptNonce").asText());
        assertThat(hex(decryptNonce32)).isEqualTo(expected.path("decryptNonce").asText());
        assertThat(hex(keys.encryptNonce)).isEqualTo(expected.path("encryptNonce12").asText());
        assertThat(hex(keys.decryptNonce)).isEqualTo(expected.path("decryptNonce12").asText());
        assertThat(keys.encryptNonce).hasSize(12);
        assertThat(keys.decryptNonce).hasSize(12);
        assertThat(hex(Arrays.copyOf(encryptNonce32, 12))).isEqualTo(hex(keys.encryptNonce));
        assertThat(hex(Arrays.copyOf(decryptNonce32, 12))).isEqualTo(hex(keys.decryptNonce));
    }

    private static byte[] outcome(ChannelKeys keys) {
        return Kat.concat(keys.encryptKey, keys.encryptNonce, keys.decryptKey, keys.decryptNonce);
    }

    /** The same handshake through the real handlers, one EmbeddedChannel per side, bytes moved between them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void handlersOverEmbeddedChannels(String name, int index) {
        Inputs v = new Inputs(index);
        List<String> authorizeCalls = new ArrayList<>();
        Shs2Authorizer authorizer = (key, payload) -> {
            authorizeCalls.add(hex(Base64.getDecoder().decode(key)) + "/" + hex(payload));
            return CompletableFuture.completedFuture(true);
        };
        CompletableFuture<byte[]> clientResult = new CompletableFuture<>();
        CompletableFuture<byte[]> serverResult = new CompletableFuture<>();
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel server = new EmbeddedChannel();
        KatRecorder clientApp = new KatRecorder();
        KatRecorder serverApp = new KatRecorder();
        try {
            server.pipeline().addLast(Shs2HandshakeHandler.server("s-", v.responder(), authorizer,
                    Duration.ofSeconds(5), serverResult), serverApp);
            client.pipeline().addLast(Shs2HandshakeHandler.client("c-", v.initiator(), Duration.ofSeconds(5),
                    clientResult), clientApp);

            List<String> clientWrote = new ArrayList<>();
            List<String> serverWrote = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                pump(client, server, clientWrote);
                pump(server, client, serverWrote);
            }
            assertThat(clientWrote).containsExactly(hex(v.message("msg1")), hex(v.message("msg3")));
            assertThat(serverWrote).containsExactly(hex(v.message("msg2")), hex(v.message("msg4")));
            JsonNode authorized = v.c.path("pullSecretHandshake2").path("authorizeReceived");
            assertThat(authorizeCalls).containsExactly(authorized.path("initiatorStaticVerifyingEd25519Key").asText()
                    + "/" + authorized.path("initiatorAuthPayload").asText());
            assertThat(clientResult).isCompletedWithValueMatching(k -> Arrays.equals(k, v.server.publicKey));
            assertThat(serverResult).isCompletedWithValueMatching(k -> Arrays.equals(k, v.client.publicKey));
            assertThat(client.pipeline().get(Shs2HandshakeHandler.class)).isNull();
            assertThat(server.pipeline().get(Shs2HandshakeHandler.class)).isNull();
            assertThat(client.pipeline().names()).contains("c-channel-encoder", "c-channel-decoder");
            assertThat(server.pipeline().names()).contains("s-channel-encoder", "s-channel-decoder");

            // The Secret Channel the handlers installed: write 0 of each direction (1 byte).
            client.writeOutbound(Unpooled.wrappedBuffer(Kat.pattern(0, 1, 0)));
            server.writeOutbound(Unpooled.wrappedBuffer(Kat.pattern(0, 1, 100)));
            List<String> clientChunks = new ArrayList<>();
            List<String> serverChunks = new ArrayList<>();
            pump(client, server, clientChunks);
            pump(server, client, serverChunks);
            assertThat(serverApp.reads).hasSize(1);
            assertThat(serverApp.reads.get(0)).isEqualTo(Kat.pattern(0, 1, 0));
            assertThat(clientApp.reads).hasSize(1);
            assertThat(clientApp.reads.get(0)).isEqualTo(Kat.pattern(0, 1, 100));
            if (index == 0) { // the streams are case 1's: its first two chunks per direction
                JsonNode streams = Kat.secretChannel().path("streams");
                assertThat(clientChunks).containsExactly(firstWrite(streams.path("c2s")));
                assertThat(serverChunks).containsExactly(firstWrite(streams.path("s2c")));
            }
            assertThat(clientApp.errors).isEmpty();
            assertThat(serverApp.errors).isEmpty();
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    private static String firstWrite(JsonNode stream) {
        JsonNode chunks = stream.path("chunks");
        return chunks.get(0).path("ciphertext").asText() + chunks.get(1).path("ciphertext").asText();
    }

    /** Moves everything {@code from} wrote into {@code to}, recording each written buffer as hex. */
    static void pump(EmbeddedChannel from, EmbeddedChannel to, List<String> wrote) {
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            wrote.add(ByteBufUtil.hexDump(buf));
            to.writeInbound(buf);
        }
    }

    @Test
    void theVectorsDescribeSixCases() {
        assertThat(Kat.handshakeCases()).extracting(c -> c.path("name").asText()).containsExactly(
                "ssb-main-network-no-payload", "ssb-main-network-with-payload", "other-network-no-payload",
                "other-network-with-payload", "ssb-main-network-explicit-zero-payload", "hashed-keys-with-payload");
    }
}
