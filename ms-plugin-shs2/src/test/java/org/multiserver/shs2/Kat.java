package org.multiserver.shs2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The known-answer vectors of the JS reference ({@code src/test/resources/vectors/shs2-kat.json}, described in
 * SHS2.md) and the few helpers every KAT test needs: hex, SHA-256, the stream write pattern, case-1 keys.
 */
final class Kat {
    static final JsonNode ROOT = load();
    static final HexFormat HEX = HexFormat.of();

    private Kat() {
    }

    private static JsonNode load() {
        try (InputStream in = Kat.class.getResourceAsStream("/vectors/shs2-kat.json")) {
            if (in == null) {
                throw new IllegalStateException("vectors/shs2-kat.json is not on the test class path");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- sections ----

    static List<JsonNode> handshakeCases() {
        return list(ROOT.path("handshake").path("cases"));
    }

    static JsonNode case1() {
        return handshakeCases().get(0);
    }

    static JsonNode secretChannel() {
        return ROOT.path("secretChannel");
    }

    static List<JsonNode> decrypterCases() {
        return list(secretChannel().path("decrypterBehaviour").path("cases"));
    }

    static JsonNode apiCase(String prefix) {
        return byName(list(secretChannel().path("apiBehaviour").path("cases")), prefix);
    }

    static List<JsonNode> failureCases() {
        return list(ROOT.path("handshakeFailures").path("cases"));
    }

    static JsonNode failureCase(String prefix) {
        return byName(failureCases(), prefix);
    }

    static JsonNode byName(List<JsonNode> cases, String prefix) {
        for (JsonNode c : cases) {
            if (c.path("name").asText().startsWith(prefix)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no vector named " + prefix + "*");
    }

    static List<JsonNode> list(JsonNode array) {
        if (!array.isArray() || array.isEmpty()) {
            throw new IllegalStateException("expected a non-empty array in the vectors, got " + array);
        }
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    // ---- values ----

    /** The hex string at {@code node.field} as bytes; fails on a missing field (a vector must not go unchecked). */
    static byte[] bytes(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalStateException("vector field '" + field + "' missing or not hex in " + abbreviate(node));
        }
        return HEX.parseHex(value.asText());
    }

    /** Like {@link #bytes} but null for a JSON null. */
    static byte[] bytesOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : bytes(node, field);
    }

    static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    static String hex(ByteBuf buf) {
        return ByteBufUtil.hexDump(buf);
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256Hex(byte[] data) {
        return hex(sha256(data));
    }

    static byte[] concat(byte[]... parts) {
        return Crypto.concat(parts);
    }

    static byte[] repeat(int b, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, (byte) b);
        return out;
    }

    /** Write {@code k} of a stream: byte i = (i + 13k + offset) mod 251 (secretChannel.streams' description). */
    static byte[] pattern(int k, int length, int offset) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) ((i + 13 * k + offset) % 251);
        }
        return out;
    }

    static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    // ---- case 1, the keys of every failure scenario and of the streams ----

    static final class Case1 {
        final JsonNode inputs = case1().path("inputs");
        final byte[] networkKey = bytes(inputs, "networkKey");
        final LongTermKeys client = LongTermKeys.fromSeed(bytes(inputs, "clientSeed"));
        final LongTermKeys server = LongTermKeys.fromSeed(bytes(inputs, "serverSeed"));
        final byte[] clientEphemeralSecret = bytes(inputs, "clientEphemeralSecret");
        final byte[] serverEphemeralSecret = bytes(inputs, "serverEphemeralSecret");
        final JsonNode messages = case1().path("messages");
        final byte[] msg1 = bytes(messages, "msg1");
        final byte[] msg2 = bytes(messages, "msg2");
        final byte[] msg3 = bytes(messages, "msg3");
        final byte[] msg4 = bytes(messages, "msg4");
        final JsonNode clientKeys = case1().path("pullSecretHandshake2").path("client");
        final JsonNode serverKeys = case1().path("pullSecretHandshake2").path("server");

        SecretHandshake2.Initiator initiator(byte[] payload) {
            return new SecretHandshake2.Initiator(networkKey, client, server.publicKey, payload,
                    clientEphemeralSecret);
        }

        SecretHandshake2.Responder responder() {
            return new SecretHandshake2.Responder(networkKey, server, serverEphemeralSecret);
        }
    }
}
