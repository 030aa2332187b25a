package org.multiserver.shs2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.multiserver.shs2.Kat.bytes;
import static org.multiserver.shs2.Kat.hex;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.multiserver.spi.EndOfOutput;

/**
 * secretChannel: streams (c2s, s2c), shortStream, smallStreams, nonceIncrement and apiBehaviour, through the real
 * {@link SecretChannelEncoder} and {@link SecretChannelDecoder} in EmbeddedChannels (and {@link ChannelCipher} where
 * the vector is about the cipher itself).
 *
 * <p>apiBehaviour cases that do not apply as such, because we have no Encrypter/Decrypter class with a chunk API,
 * only a codec over a byte stream (each is checked in the form it takes in our codec where it has one):
 * <ul>
 *   <li>D01 (Encrypter.next(empty) throws): the reference's pullEncrypter, like our encoder, never hands the class an
 *       empty write; our encoder's empty write succeeds, writes nothing and uses no nonce (checked with D10).</li>
 *   <li>D02 (Encrypter.next(65536) throws): nothing above the encoder sees pieces; a 65536-byte write is split
 *       65535 + 1 as pullEncrypter splits it (streams write 3, D11).</li>
 *   <li>D06 (Decrypter.lengthOrEnd(17 bytes) throws): the decoder never opens a partial length chunk, it waits for
 *       18 bytes; 17 bytes then the transport's end is a truncation error (checked here and by C09).</li>
 *   <li>D07 (Decrypter after end-of-stream throws): there is no call to make after the end; bytes after the
 *       end-of-stream are not decrypted, the input ends cleanly, then we close (our deliberate difference, C10).</li>
 *   <li>D08 / D09 (Decrypter.content accepts a tag-only chunk / any size): class-level leniencies the reference's
 *       pullDecrypter cannot reach, nor can our decoder (length 0 is end-of-stream, C12; content is read as exactly
 *       the announced length + 16, C19). {@link ChannelCipher}, our class level, has the same two leniencies; both
 *       are checked on it.</li>
 *   <li>D12 (source error: no end-of-stream, "the error is passed on"): a Netty application has no source that
 *       errors; its equivalent is closing the channel without EndOfOutput, which sends no end-of-stream (checked).
 *       Passing the error on is the application's business.</li>
 * </ul>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KatSecretChannelTest {

    // ---- helpers ----

    /** Everything the encoder's channel wrote: the bytes of each buffer (released), and EndOfOutput as null. */
    static List<byte[]> drain(EmbeddedChannel ch) {
        List<byte[]> out = new ArrayList<>();
        for (Object msg; (msg = ch.readOutbound()) != null; ) {
            if (msg == EndOfOutput.INSTANCE) {
                out.add(null);
            } else {
                ByteBuf buf = (ByteBuf) msg;
                try {
                    out.add(ByteBufUtil.getBytes(buf));
                } finally {
                    buf.release();
                }
            }
        }
        return out;
    }

    static byte[] wire(List<byte[]> written) {
        return Kat.concat(written.stream().filter(b -> b != null).toArray(byte[][]::new));
    }

    static ByteBuf direct(byte[] bytes) {
        ByteBuf buf = Unpooled.directBuffer(Math.max(bytes.length, 1));
        buf.writeBytes(bytes);
        return buf;
    }

    /** A decoder channel: encoder (for the decoder's closedLocally), decoder, application. */
    static EmbeddedChannel decoderChannel(byte[] key, byte[] nonce, KatRecorder app) {
        SecretChannelEncoder encoder = new SecretChannelEncoder(new ChannelCipher(new byte[32], new byte[12]));
        SecretChannelDecoder decoder = new SecretChannelDecoder(new ChannelCipher(key, nonce), encoder);
        return new EmbeddedChannel(encoder, decoder, app);
    }

    static List<byte[]> split(byte[] wire, int[] chunkLengths) {
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        for (int length : chunkLengths) {
            out.add(Arrays.copyOfRange(wire, at, at + length));
            at += length;
        }
        assertThat(at).isEqualTo(wire.length);
        return out;
    }

    // ---- streams ----

    static Stream<Arguments> streams() {
        return Stream.of(Arguments.of("c2s", true), Arguments.of("s2c", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void stream(String direction, boolean directWrites) {
        JsonNode s = Kat.secretChannel().path("streams").path(direction);
        byte[] key = bytes(s, "key");
        byte[] startNonce = bytes(s, "startNonce");
        int offset = s.path("patternOffset").asInt();
        List<Integer> sizes = Kat.ints(s.path("writeSizes"));
        assertThat(sizes).containsExactly(1, 100, 65535, 65536, 100000);
        List<JsonNode> chunks = Kat.list(s.path("chunks"));
        assertThat(chunks).hasSize(s.path("chunkCount").asInt()).hasSize(15);

        // Which side's keys: the streams are case 1's, encrypted with the writer's encryptKey/encryptNonce12.
        JsonNode writer = Kat.case1().path("pullSecretHandshake2").path(direction.equals("c2s") ? "client" : "server");
        assertThat(hex(key)).isEqualTo(writer.path("encryptKey").asText());
        assertThat(hex(startNonce)).isEqualTo(writer.path("encryptNonce12").asText());

        List<byte[]> writes = new ArrayList<>();
        for (int k = 0; k < sizes.size(); k++) {
            writes.add(Kat.pattern(k, sizes.get(k), offset));
            assertThat(Kat.sha256Hex(writes.get(k))).as("write %d pattern", k)
                    .isEqualTo(s.path("writesSha256").get(k).asText());
        }

        ChannelCipher cipher = new ChannelCipher(key, startNonce);
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(cipher));
        List<byte[]> written;
        try {
            int chunk = 0;
            for (int k = 0; k < writes.size(); k++) {
                byte[] w = writes.get(k);
                ch.writeOutbound(directWrites ? direct(w) : Unpooled.wrappedBuffer(w));
                while (chunk < chunks.size() && chunks.get(chunk).path("writeIndex").asInt(-1) == k) {
                    chunk++;
                }
                // After each write the nonce is that of the next chunk: incremented after every chunk.
                assertThat(cipher.chunks()).isEqualTo(chunk);
                assertThat(hex(cipher.nonce())).isEqualTo(chunks.get(chunk).path("nonce").asText());
            }
            ch.writeOutbound(EndOfOutput.INSTANCE);
            assertThat(cipher.chunks()).isEqualTo(15);
            written = drain(ch);
        } finally {
            ch.finishAndReleaseAll();
        }

        // One buffer per piece (length chunk + content chunk), the end-of-stream chunk, then EndOfOutput itself.
        int[] lengths = Kat.ints(s.path("chunkLengths")).stream().mapToInt(Integer::intValue).toArray();
        List<Integer> perBuffer = new ArrayList<>();
        for (int i = 0; i + 1 < lengths.length; i += 2) {
            perBuffer.add(lengths[i] + lengths[i + 1]);
        }
        perBuffer.add(lengths[lengths.length - 1]);
        assertThat(written.get(written.size() - 1)).as("EndOfOutput passed on last").isNull();
        assertThat(written.subList(0, written.size() - 1)).extracting(b -> b.length).containsExactlyElementsOf(perBuffer);

        byte[] wire = wire(written);
        assertThat(wire.length).isEqualTo(s.path("wireTotalBytes").asInt()).isEqualTo(231428);
        assertThat(Kat.sha256Hex(wire)).isEqualTo(s.path("wireSha256").asText());
        assertThat(hex(Arrays.copyOf(wire, 64))).isEqualTo(s.path("wireFirst64").asText());
        assertThat(hex(Arrays.copyOfRange(wire, wire.length - 64, wire.length))).isEqualTo(
                s.path("wireLast64").asText());

        List<byte[]> pieces = split(wire, lengths);
        byte[] all = Kat.concat(writes.toArray(new byte[0][]));
        int plainAt = 0;
        for (int i = 0; i < chunks.size(); i++) {
            JsonNode c = chunks.get(i);
            byte[] piece = pieces.get(i);
            assertThat(c.path("index").asInt()).isEqualTo(i);
            assertThat(piece.length).isEqualTo(c.path("ciphertextLength").asInt());
            if (c.has("ciphertext")) {
                assertThat(hex(piece)).as("chunk %d", i).isEqualTo(c.path("ciphertext").asText());
            } else {
                assertThat(Kat.sha256Hex(piece)).as("chunk %d sha256", i).isEqualTo(c.path("sha256").asText());
                assertThat(hex(Arrays.copyOf(piece, 64))).isEqualTo(c.path("first64").asText());
                assertThat(hex(Arrays.copyOfRange(piece, piece.length - 64, piece.length))).isEqualTo(
                        c.path("last64").asText());
            }
            // Each chunk opens under its recorded nonce, to its recorded plaintext.
            ChannelCipher at = new ChannelCipher(key, bytes(c, "nonce"));
            ByteBuf buf = direct(piece);
            try {
                if (c.path("kind").asText().equals("content")) {
                    int length = c.path("plaintextLength").asInt();
                    assertThat(at.openContent(buf, length)).isTrue();
                    assertThat(ByteBufUtil.getBytes(buf, 0, length)).isEqualTo(
                            Arrays.copyOfRange(all, plainAt, plainAt + length));
                    plainAt += length;
                } else {
                    int expected = c.path("kind").asText().equals("end-of-stream") ? 0 : c.path("lengthValue").asInt();
                    assertThat(at.openLength(buf)).isEqualTo(expected);
                    assertThat(String.format("%04x", expected)).isEqualTo(c.path("lengthPlaintext").asText());
                }
            } finally {
                buf.release();
                at.close();
            }
        }
        assertThat(plainAt).isEqualTo(all.length);

        // The peer's decoder delivers the recorded lengths and ends cleanly; in one read and in random reads.
        JsonNode received = s.path("receivedByPeer");
        assertThat(received.path("end").asText()).isEqualTo("clean");
        for (long seed : new long[] {-1, 1, 2}) {
            KatRecorder app = new KatRecorder();
            EmbeddedChannel peer = decoderChannel(key, startNonce, app);
            try {
                feed(peer, wire, seed);
                assertThat(app.readLengths()).containsExactlyElementsOf(Kat.ints(received.path("deliveredLengths")));
                assertThat(app.data()).isEqualTo(all);
                assertThat(app.inputShutdowns()).isEqualTo(1);
                assertThat(app.errors).isEmpty();
                assertThat(peer.isOpen()).isTrue();
                peer.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE); // the transport's end
                assertThat(app.errors).isEmpty();
                assertThat(app.inputShutdowns()).isEqualTo(1);
            } finally {
                peer.finishAndReleaseAll();
            }
        }
    }

    /** Feeds {@code wire} in one read (seed -1) or in random reads of 1..3000 bytes, direct and heap mixed. */
    static void feed(EmbeddedChannel ch, byte[] wire, long seed) {
        if (seed < 0) {
            ch.writeInbound(direct(wire));
            return;
        }
        Random random = new Random(seed);
        for (int at = 0; at < wire.length; ) {
            int n = Math.min(wire.length - at, 1 + random.nextInt(3000));
            byte[] part = Arrays.copyOfRange(wire, at, at + n);
            ch.writeInbound(random.nextBoolean() ? direct(part) : Unpooled.wrappedBuffer(part));
            at += n;
        }
    }

    // ---- shortStream and smallStreams ----

    @Test
    void shortStream() {
        JsonNode s = Kat.secretChannel().path("shortStream");
        List<byte[]> writes = List.of(Kat.pattern(0, 1, 0), Kat.pattern(1, 100, 0));
        List<JsonNode> chunks = Kat.list(s.path("chunks"));
        assertThat(chunks).extracting(c -> c.path("name").asText()).containsExactly("S0", "S1", "S2", "S3", "S4");
        encodeAndCheck(bytes(s, "key"), bytes(s, "nonce"), writes, chunks);
        // S0..S3 are the first four chunks of the c2s stream.
        List<JsonNode> c2s = Kat.list(Kat.secretChannel().path("streams").path("c2s").path("chunks"));
        for (int i = 0; i < 4; i++) {
            assertThat(chunks.get(i).path("ciphertext").asText()).isEqualTo(c2s.get(i).path("ciphertext").asText());
        }
    }

    static Stream<Arguments> smallStreams() {
        List<JsonNode> all = Kat.list(Kat.secretChannel().path("smallStreams"));
        assertThat(all).hasSize(3);
        return all.stream().map(s -> Arguments.of(s.path("description").asText(), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallStreams")
    void smallStream(String description, JsonNode s) {
        List<byte[]> writes = new ArrayList<>();
        s.path("writes").forEach(w -> writes.add(Kat.HEX.parseHex(w.asText())));
        encodeAndCheck(bytes(s, "key"), bytes(s, "startNonce"), writes, Kat.list(s.path("chunks")));
    }

    /**
     * Encodes {@code writes} then EndOfOutput; the chunks, in order, must be {@code chunks} (nonce, ciphertext); the
     * wire decodes back to the writes with a clean end.
     */
    static void encodeAndCheck(byte[] key, byte[] startNonce, List<byte[]> writes, List<JsonNode> chunks) {
        ChannelCipher cipher = new ChannelCipher(key, startNonce);
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(cipher));
        byte[] wire;
        try {
            assertThat(hex(cipher.nonce())).isEqualTo(chunks.get(0).path("nonce").asText());
            for (int k = 0; k < writes.size(); k++) {
                ch.writeOutbound(Unpooled.wrappedBuffer(writes.get(k)));
                assertThat(hex(cipher.nonce())).isEqualTo(chunks.get(2 * k + 2).path("nonce").asText());
            }
            ch.writeOutbound(EndOfOutput.INSTANCE);
            wire = wire(drain(ch));
        } finally {
            ch.finishAndReleaseAll();
        }
        int[] lengths = new int[chunks.size()];
        for (int i = 0; i < chunks.size(); i++) {
            lengths[i] = chunks.get(i).path("ciphertext").asText().length() / 2;
        }
        List<byte[]> pieces = split(wire, lengths);
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(hex(pieces.get(i))).as("chunk %d", i).isEqualTo(chunks.get(i).path("ciphertext").asText());
            // The recorded nonce is the one the chunk was sealed with.
            ChannelCipher at = new ChannelCipher(key, bytes(chunks.get(i), "nonce"));
            ByteBuf buf = direct(pieces.get(i));
            try {
                boolean content = i % 2 == 1 && i < chunks.size() - 1;
                if (content) {
                    assertThat(at.openContent(buf, pieces.get(i).length - 16)).isTrue();
                } else {
                    assertThat(at.openLength(buf)).isGreaterThanOrEqualTo(0);
                }
            } finally {
                buf.release();
                at.close();
            }
        }
        KatRecorder app = new KatRecorder();
        EmbeddedChannel peer = decoderChannel(key, startNonce, app);
        try {
            feed(peer, wire, 7);
            assertThat(app.reads).extracting(Kat::hex).containsExactlyElementsOf(writes.stream().map(Kat::hex).toList());
            assertThat(app.inputShutdowns()).isEqualTo(1);
            assertThat(app.errors).isEmpty();
        } finally {
            peer.finishAndReleaseAll();
        }
    }

    // ---- nonceIncrement ----

    @Test
    void nonceIncrement() {
        List<JsonNode> cases = Kat.list(Kat.secretChannel().path("nonceIncrement").path("cases"));
        assertThat(cases).hasSize(7);
        for (JsonNode c : cases) {
            ChannelCipher cipher = new ChannelCipher(new byte[32], bytes(c, "input"));
            ByteBuf out = Unpooled.directBuffer(ChannelCipher.LENGTH_CHUNK);
            try {
                assertThat(hex(cipher.nonce())).isEqualTo(c.path("input").asText());
                cipher.sealLength(1, out);
                assertThat(cipher.chunks()).isEqualTo(1);
                assertThat(hex(cipher.nonce())).as("increment of %s", c.path("input").asText())
                        .isEqualTo(c.path("output").asText());
            } finally {
                out.release();
                cipher.close();
            }
        }
    }

    // ---- apiBehaviour ----

    private static final JsonNode SHORT = Kat.secretChannel().path("shortStream");
    private static final byte[] KEY = bytes(SHORT, "key");
    private static final byte[] NONCE = bytes(SHORT, "nonce");

    private static List<String> hexChunks(JsonNode returned) {
        List<String> out = new ArrayList<>();
        returned.path("chunks").forEach(c -> out.add(c.asText()));
        return out;
    }

    @Test
    void d03MaxWriteIsOnePiece() {
        JsonNode d = Kat.apiCase("D03");
        ChannelCipher cipher = new ChannelCipher(KEY, NONCE);
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(cipher));
        try {
            ch.writeOutbound(Unpooled.wrappedBuffer(new byte[65535]));
            List<byte[]> written = drain(ch);
            assertThat(written).hasSize(1);
            assertThat(written.get(0).length).isEqualTo(Kat.ints(d.path("returned")).stream()
                    .mapToInt(Integer::intValue).sum()).isEqualTo(18 + 65551);
            assertThat(cipher.chunks()).isEqualTo(2);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void d04WriteAfterEndOfOutputFails() {
        assertThat(Kat.apiCase("D04").path("threw").asText()).contains("already ended");
        ChannelCipher cipher = new ChannelCipher(KEY, NONCE);
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(cipher));
        try {
            ch.writeOutbound(EndOfOutput.INSTANCE);
            assertThat(drain(ch)).hasSize(2); // end-of-stream chunk, EndOfOutput
            long used = cipher.chunks();
            ByteBuf late = Unpooled.wrappedBuffer(new byte[] {'x'});
            ChannelFuture f = ch.writeAndFlush(late);
            ch.runPendingTasks();
            assertThat(f.isDone()).isTrue();
            assertThat(f.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("after EndOfOutput");
            assertThat(late.refCnt()).isZero();
            assertThat(cipher.chunks()).isEqualTo(used);
            assertThat(drain(ch)).isEmpty();
            // A second EndOfOutput is harmless and sends nothing.
            ch.writeOutbound(EndOfOutput.INSTANCE);
            assertThat(drain(ch)).isEmpty();
            assertThat(cipher.chunks()).isEqualTo(used);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void d05NonceMustBe12Bytes() {
        assertThat(Kat.apiCase("D05").path("threw").asText()).contains("nonce must be 12 bytes");
        byte[] nonce32 = bytes(Kat.case1().path("pullSecretHandshake2").path("client"), "encryptNonce");
        assertThat(nonce32).hasSize(32);
        assertThatThrownBy(() -> new ChannelCipher(KEY, nonce32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12-byte nonce");
    }

    @Test
    void d06PartialLengthChunkWaitsThenTruncates() {
        assertThat(Kat.apiCase("D06").path("threw").asText()).contains("must be 18 bytes");
        byte[] s0 = bytes(Kat.list(SHORT.path("chunks")).get(0), "ciphertext");
        KatRecorder app = new KatRecorder();
        EmbeddedChannel ch = decoderChannel(KEY, NONCE, app);
        try {
            ch.writeInbound(direct(Arrays.copyOf(s0, 17)));
            assertThat(app.reads).isEmpty();
            assertThat(app.errors).isEmpty();
            assertThat(ch.isOpen()).isTrue();
            ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            assertThat(app.errors).singleElement().isInstanceOf(SecretChannelException.class);
            assertThat(ch.isOpen()).isFalse();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void d07NothingAfterEndOfStream() {
        JsonNode d = Kat.apiCase("D07");
        assertThat(d.path("returned").path("first").path("type").asText()).isEqualTo("end-of-stream");
        assertThat(d.path("returned").path("second").asText()).contains("already ended");
        byte[] eos = Kat.HEX.parseHex(Kat.byName(Kat.decrypterCases(), "C13").path("inputHex").asText());
        byte[] s0 = bytes(Kat.list(SHORT.path("chunks")).get(0), "ciphertext");
        KatRecorder app = new KatRecorder();
        EmbeddedChannel ch = decoderChannel(KEY, NONCE, app);
        try {
            ch.writeInbound(direct(eos));
            assertThat(app.inputShutdowns()).isEqualTo(1);
            assertThat(ch.isOpen()).isTrue();
            ch.writeInbound(direct(s0));
            assertThat(app.reads).isEmpty();
            assertThat(app.errors).isEmpty();
            assertThat(app.inputShutdowns()).isEqualTo(1);
            assertThat(ch.isOpen()).isFalse(); // our difference: bytes after end-of-stream close the connection
            assertThat(ch.outboundMessages()).isEmpty();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** D08 and D09 at our class level, ChannelCipher: the same leniencies as the reference's Decrypter class. */
    @Test
    void d08d09CipherLevelLeniencies() {
        assertThat(Kat.apiCase("D08").path("returned").path("returnedLength").asInt()).isZero();
        assertThat(Kat.apiCase("D09").path("returned").path("returnedLength").asInt()).isEqualTo(100);
        JsonNode c12 = Kat.byName(Kat.decrypterCases(), "C12");
        List<JsonNode> s = Kat.list(SHORT.path("chunks"));
        ChannelCipher cipher = new ChannelCipher(KEY, NONCE);
        List<ByteBuf> bufs = new ArrayList<>();
        try {
            ByteBuf s0 = direct(bytes(s.get(0), "ciphertext"));
            ByteBuf s1 = direct(bytes(s.get(1), "ciphertext"));
            ByteBuf zero = direct(bytes(c12, "zeroLengthChunk"));
            ByteBuf empty = direct(bytes(c12, "emptyContentChunk"));
            bufs.addAll(List.of(s0, s1, zero, empty));
            assertThat(c12.path("equalsEndOfStreamAfterW0").asBoolean()).isTrue();
            assertThat(cipher.openLength(s0)).isEqualTo(1);
            assertThat(cipher.openContent(s1, 1)).isTrue();
            assertThat(cipher.openLength(zero)).isZero();
            assertThat(cipher.openContent(empty, 0)).as("a 16-byte tag-only content chunk opens").isTrue();
        } finally {
            bufs.forEach(ReferenceCountUtil::release);
            cipher.close();
        }
        // D09: the cipher opens content of whatever length the caller says, here 100 after a length chunk of 1.
        ChannelCipher sealer = new ChannelCipher(KEY, NONCE);
        ChannelCipher opener = new ChannelCipher(KEY, NONCE);
        ByteBuf wire = Unpooled.directBuffer(18 + 100 + 16);
        ByteBuf plain = direct(Kat.pattern(1, 100, 0));
        try {
            sealer.sealLength(1, wire);
            sealer.sealContent(plain, 0, 100, wire);
            assertThat(opener.openLength(wire)).isEqualTo(1);
            assertThat(opener.openContent(wire, 100)).isTrue();
        } finally {
            wire.release();
            plain.release();
            sealer.close();
            opener.close();
        }
    }

    @Test
    void d10EmptyWritesUseNoNonce() {
        JsonNode d = Kat.apiCase("D10").path("returned");
        assertThat(d.path("err").isNull()).isTrue();
        ChannelCipher cipher = new ChannelCipher(KEY, NONCE);
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(cipher));
        List<byte[]> written = new ArrayList<>();
        try {
            ch.writeOutbound(Unpooled.EMPTY_BUFFER);
            written.addAll(drain(ch));
            assertThat(cipher.chunks()).isZero();
            assertThat(wire(written)).isEmpty();
            ch.writeOutbound(Unpooled.wrappedBuffer("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.writeOutbound(Unpooled.directBuffer(0));
            written.addAll(drain(ch));
            assertThat(cipher.chunks()).isEqualTo(2);
            ch.writeOutbound(EndOfOutput.INSTANCE);
            written.addAll(drain(ch));
        } finally {
            ch.finishAndReleaseAll();
        }
        byte[] wire = wire(written);
        List<Integer> lengths = Kat.ints(d.path("chunkLengths"));
        assertThat(lengths).containsExactly(18, 21, 18);
        List<byte[]> pieces = split(wire, lengths.stream().mapToInt(Integer::intValue).toArray());
        assertThat(pieces).extracting(Kat::hex).containsExactlyElementsOf(hexChunks(d));
    }

    @Test
    void d11LargeWriteIsSplit() {
        JsonNode d = Kat.apiCase("D11").path("returned");
        ChannelCipher cipher = new ChannelCipher(KEY, NONCE);
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(cipher));
        try {
            ch.writeOutbound(Unpooled.wrappedBuffer(new byte[131071]));
            ch.writeOutbound(EndOfOutput.INSTANCE);
            List<byte[]> written = drain(ch);
            List<Integer> lengths = Kat.ints(d.path("chunkLengths"));
            assertThat(lengths).containsExactly(18, 65551, 18, 65551, 18, 17, 18);
            assertThat(written).extracting(b -> b == null ? -1 : b.length)
                    .containsExactly(18 + 65551, 18 + 65551, 18 + 17, 18, -1);
            assertThat(cipher.chunks()).isEqualTo(lengths.size());
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void d12AbortSendsNoEndOfStream() {
        JsonNode d = Kat.apiCase("D12").path("returned");
        assertThat(d.path("err").asText()).isEqualTo("source failed");
        ChannelCipher cipher = new ChannelCipher(KEY, NONCE);
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(cipher));
        try {
            ch.writeOutbound(Unpooled.wrappedBuffer("hi".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.close(); // the application gives up without EndOfOutput
            List<byte[]> written = drain(ch);
            assertThat(written).doesNotContainNull();
            byte[] wire = wire(written);
            List<byte[]> pieces = split(wire, Kat.ints(d.path("chunkLengths")).stream().mapToInt(Integer::intValue)
                    .toArray());
            assertThat(pieces).extracting(Kat::hex).containsExactlyElementsOf(hexChunks(d));
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void d13EmptySourceIsOnlyEndOfStream() {
        JsonNode d = Kat.apiCase("D13").path("returned");
        EmbeddedChannel ch = new EmbeddedChannel(new SecretChannelEncoder(new ChannelCipher(KEY, NONCE)));
        try {
            ch.writeOutbound(EndOfOutput.INSTANCE);
            List<byte[]> written = drain(ch);
            assertThat(written).hasSize(2);
            assertThat(written.get(1)).isNull();
            assertThat(List.of(hex(written.get(0)))).containsExactlyElementsOf(hexChunks(d));
            assertThat(Kat.ints(d.path("chunkLengths"))).containsExactly(18);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void everyApiCaseIsAccountedFor() {
        // D03-D05, D10-D13 checked directly; D01, D02, D06-D09, D12's error in their codec form (class comment).
        assertThat(Kat.list(Kat.secretChannel().path("apiBehaviour").path("cases")))
                .extracting(c -> c.path("name").asText().substring(0, 3))
                .containsExactly("D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09", "D10", "D11", "D12",
                        "D13");
        assertThat(Kat.apiCase("D01").path("threw").asText()).contains("length of 0 is not allowed");
        assertThat(Kat.apiCase("D02").path("threw").asText()).contains("exceeds max 65535");
    }
}
