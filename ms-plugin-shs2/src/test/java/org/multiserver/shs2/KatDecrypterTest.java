package org.multiserver.shs2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.shs2.Kat.bytes;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * secretChannel.decrypterBehaviour C01..C20 through the real {@link SecretChannelDecoder} in an EmbeddedChannel: what
 * the application is handed (length and SHA-256 of every chunk) and whether its input ends cleanly
 * ({@link ChannelInputShutdownEvent}, no exception) or with a {@link SecretChannelException}, as the reference's
 * pullDecrypter does, whatever the read boundaries (one read, one byte per read, random reads) and however the
 * transport ends (its own ChannelInputShutdownEvent, or the channel closing under us).
 *
 * <p>Our one deliberate difference: bytes after end-of-stream (C10, C11 and C12's tail). The application's input
 * ends exactly as with the reference (all data delivered, ChannelInputShutdownEvent, no exception), and then we
 * close the connection, writing nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KatDecrypterTest {
    /** Clean cases with bytes after their end-of-stream; checked below to be exactly these. */
    private static final Set<String> TAIL = Set.of("C10", "C11", "C12");

    private static final JsonNode SHORT = Kat.secretChannel().path("shortStream");

    enum TransportEnd { INPUT_SHUTDOWN_EVENT, CHANNEL_CLOSED }

    static Stream<Arguments> cases() {
        List<JsonNode> cases = Kat.decrypterCases();
        assertThat(cases).extracting(c -> c.path("name").asText().substring(0, 3)).containsExactly(
                "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10", "C11", "C12", "C13", "C14",
                "C15", "C16", "C17", "C18", "C19", "C20");
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : cases) {
            for (TransportEnd end : TransportEnd.values()) {
                out.add(Arguments.of(c.path("name").asText(), end, c));
            }
        }
        return out.stream();
    }

    /** The case's input: inputHex, or rebuilt from its description (C11 has none), checked against its SHA-256. */
    static byte[] input(JsonNode c) {
        byte[] input;
        if (c.has("inputHex")) {
            input = bytes(c, "inputHex");
        } else {
            assertThat(c.path("name").asText()).startsWith("C11");
            List<byte[]> chunks = new ArrayList<>();
            Kat.list(SHORT.path("chunks")).forEach(s -> chunks.add(bytes(s, "ciphertext")));
            chunks.add(Kat.repeat(0xaa, 1000));
            input = Kat.concat(chunks.toArray(new byte[0][]));
        }
        assertThat(input).hasSize(c.path("inputLength").asInt());
        assertThat(Kat.sha256Hex(input)).isEqualTo(c.path("inputSha256").asText());
        return input;
    }

    /** C18 decrypts with the other direction's nonce (server->client of case 1); every other case as written. */
    static byte[] startNonce(JsonNode c) {
        if (c.path("name").asText().startsWith("C18")) {
            byte[] other = bytes(Kat.case1().path("pullSecretHandshake2").path("server"), "encryptNonce12");
            assertThat(other).isNotEqualTo(bytes(SHORT, "nonce"));
            return other;
        }
        return bytes(SHORT, "nonce");
    }

    /** Read boundaries: one read, one byte per read, and five seeded random splits. */
    static List<int[]> splits(int length) {
        List<int[]> out = new ArrayList<>();
        out.add(new int[] {length});
        int[] bytewise = new int[length];
        Arrays.fill(bytewise, 1);
        out.add(bytewise);
        for (long seed = 1; seed <= 5; seed++) {
            Random random = new Random(seed);
            List<Integer> sizes = new ArrayList<>();
            for (int left = length; left > 0; ) {
                int n = Math.min(left, 1 + random.nextInt(40));
                sizes.add(n);
                left -= n;
            }
            out.add(sizes.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    @ParameterizedTest(name = "{0}, transport end by {1}")
    @MethodSource("cases")
    void decrypter(String name, TransportEnd end, JsonNode c) {
        String id = name.substring(0, 3);
        byte[] input = input(c);
        JsonNode result = c.path("result");
        List<JsonNode> delivered = result.path("delivered").isEmpty() ? List.of() : Kat.list(result.path("delivered"));
        boolean clean = result.path("end").asText().equals("clean");
        assertThat(result.path("end").asText()).isIn("clean", "error");
        String error = result.path("error").asText(null);
        // Truncations are noticed only when the transport ends; a bad tag as soon as the chunk is there.
        boolean truncation = !clean && !"could not verify data".equals(error);

        // Which clean cases carry bytes after their end-of-stream: input longer than its chunks.
        int consumed = delivered.stream().mapToInt(d -> 18 + d.path("length").asInt() + 16).sum() + 18;
        boolean tail = clean && input.length > consumed;
        assertThat(tail).as("tail").isEqualTo(TAIL.contains(id));
        if (clean && !tail) {
            assertThat(input.length).isEqualTo(consumed);
        }

        for (int[] split : splits(input.length)) {
            String how = split.length == 1 ? "one read" : split.length == input.length ? "byte per read"
                    : split.length + " random reads";
            KatRecorder app = new KatRecorder();
            SecretChannelEncoder encoder = new SecretChannelEncoder(new ChannelCipher(new byte[32], new byte[12]));
            SecretChannelDecoder decoder = new SecretChannelDecoder(
                    new ChannelCipher(bytes(SHORT, "key"), startNonce(c)), encoder);
            EmbeddedChannel ch = new EmbeddedChannel(encoder, decoder, app);
            try {
                int at = 0;
                for (int n : split) {
                    if (!ch.isOpen()) {
                        break; // a closed connection reads nothing more
                    }
                    ByteBuf buf = (at & 1) == 0 ? Unpooled.directBuffer(n) : Unpooled.buffer(n); // both kinds
                    buf.writeBytes(input, at, n);
                    ch.writeInbound(buf);
                    at += n;
                }
                // Before the transport's end: only a bad tag has failed, only a tail has closed.
                assertThat(app.errors).as("%s %s: error before the transport's end", id, how)
                        .hasSize(clean || truncation ? 0 : 1);
                assertThat(ch.isOpen()).as("%s %s: open before the transport's end", id, how)
                        .isEqualTo(clean ? !tail : truncation);
                if (ch.isOpen()) {
                    if (end == TransportEnd.INPUT_SHUTDOWN_EVENT) {
                        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    } else {
                        ch.unsafe().close(ch.unsafe().voidPromise()); // from the transport, not through the encoder
                    }
                    ch.runPendingTasks();
                }

                assertThat(app.readLengths()).as("%s %s: delivered lengths", id, how).containsExactlyElementsOf(
                        delivered.stream().map(d -> d.path("length").asInt()).toList());
                for (int i = 0; i < delivered.size(); i++) {
                    assertThat(Kat.sha256Hex(app.reads.get(i))).as("%s %s: chunk %d", id, how, i)
                            .isEqualTo(delivered.get(i).path("sha256").asText());
                    if (delivered.get(i).has("hex")) {
                        assertThat(Kat.hex(app.reads.get(i))).isEqualTo(delivered.get(i).path("hex").asText());
                    }
                }
                if (clean) {
                    assertThat(app.errors).as("%s %s: clean end", id, how).isEmpty();
                    assertThat(app.inputShutdowns()).as("%s %s: input shut down once", id, how).isEqualTo(1);
                    if (tail) {
                        assertThat(ch.isOpen()).as("%s %s: closed after the bytes behind end-of-stream", id, how)
                                .isFalse();
                    }
                    assertThat(app.events.stream().filter(e -> e instanceof org.multiserver.spi.ProtocolViolation))
                            .as("%s %s: the bytes behind end-of-stream reported as a violation", id, how)
                            .hasSize(tail ? 1 : 0);
                } else {
                    assertThat(app.errors).as("%s %s: error end", id, how).singleElement()
                            .isInstanceOf(SecretChannelException.class);
                    assertThat(app.inputShutdowns()).as("%s %s: no clean end", id, how).isZero();
                    assertThat(ch.isOpen()).isFalse();
                }
                assertThat(app.others).isEmpty();
                assertThat(ch.outboundMessages()).as("nothing written").isEmpty();
            } finally {
                ch.finishAndReleaseAll();
            }
        }
    }

    @Test
    void c20IsC01ByteAtATime() {
        JsonNode c01 = Kat.byName(Kat.decrypterCases(), "C01");
        JsonNode c20 = Kat.byName(Kat.decrypterCases(), "C20");
        assertThat(c20.path("inputHex").asText()).isEqualTo(c01.path("inputHex").asText());
        assertThat(c20.path("result")).isEqualTo(c01.path("result"));
    }
}
