package org.multiserver.shs2;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;
import org.multiserver.testing.NettyLeakDetection;

/**
 * Hostile Secret Channel chunks through a real socket, after an honest handshake run by hand
 * ({@link RawShs2Client}) with a real {@code net~shs2} MultiServer whose application reads
 * {@link Connection#input()} to its end: flipped bits in a length, content or end-of-stream chunk, lengths that
 * announce more (or less) than follows, reordered, duplicated, dropped and foreign chunks, a stream cut at every
 * position, bytes after the end-of-stream, all written in random small pieces. The application must get exactly the
 * bytes of the chunks that verified, in order, and then either a clean end (the end-of-stream arrived; what follows
 * it never reaches the application, and the server hangs up on it) or an {@link IOException} caused by a
 * {@link SecretChannelException} (a bad chunk, a truncated stream); never a byte of a bad chunk or of a valid chunk
 * behind one. The server closes a failed connection itself, even when the peer stays; it sends nothing; it reports
 * no server error (the handshake succeeded); a long-lived honest connection keeps echoing, a new one connects and
 * echoes, and no Netty buffer leaks (PARANOID; the Jupiter extension, and {@link NettyLeakDetection#collect} after
 * each property).
 *
 * <p>The {@code @Test}s run in JUnit Jupiter, each with a {@code @Timeout}; the {@code @Property}s in jqwik (no
 * timeout there: every wait is bounded by a socket read timeout or a future's timeout). Tries come from
 * {@code jqwik.tries.default} (2000 in the build).
 */
class HostileChannelTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final byte[] W1 = "the first good write".getBytes(US_ASCII);
    private static final byte[] W2 = HostileHandshakeTest.randomBytes(300, 2);
    private static final byte[] BAD = "the plaintext of the bad chunk".getBytes(US_ASCII);
    private static final byte[] AFTER = "a valid write sent after the bad part".getBytes(US_ASCII);
    private static final byte[] GOOD = RawShs2Client.concat(W1, W2);

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

    // ---- damaged chunks: the peer stays, the server must hang up ----

    /** Every bit of the third length chunk: chunk 5 (W1 and W2 took 1 to 4) does not verify. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void flippedBitInALengthChunk() throws Exception {
        for (int bit = 0; bit < ChannelCipher.LENGTH_CHUNK * 8; bit++) {
            try (Probe p = new Probe(false)) {
                byte[] good = p.goodWrites();
                byte[] length = RawShs2Client.flip(p.client.lengthChunk(BAD.length), bit);
                p.send(RawShs2Client.concat(good, length, p.client.chunk(BAD), p.client.write(AFTER),
                        p.client.endOfStream()));
                p.expectError(GOOD, "shs2: secret channel chunk 5 (a length) does not verify");
            }
        }
    }

    /** Every byte of the third content chunk (ciphertext and tag), one bit each. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void flippedBitInAContentChunk() throws Exception {
        for (int at = 0; at < BAD.length + Crypto.TAG_BYTES; at++) {
            try (Probe p = new Probe(false)) {
                byte[] good = p.goodWrites();
                byte[] length = p.client.lengthChunk(BAD.length);
                byte[] content = RawShs2Client.flip(p.client.chunk(BAD), at * 8 + at % 8);
                p.send(RawShs2Client.concat(good, length, content, p.client.write(AFTER), p.client.endOfStream()));
                p.expectError(GOOD, "shs2: secret channel chunk 6 (content of " + BAD.length
                        + " bytes) does not verify");
            }
        }
    }

    /** Every bit of the end-of-stream chunk: not an end, an error; nothing behind it is delivered. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void flippedBitInTheEndOfStream() throws Exception {
        for (int bit = 0; bit < ChannelCipher.LENGTH_CHUNK * 8; bit++) {
            try (Probe p = new Probe(false)) {
                byte[] good = p.goodWrites();
                byte[] end = RawShs2Client.flip(p.client.endOfStream(), bit);
                p.send(RawShs2Client.concat(good, end, p.client.write(AFTER)));
                p.expectError(GOOD, "shs2: secret channel chunk 5 (a length) does not verify");
            }
        }
    }

    /** A length chunk announcing more than follows, then the peer ends: a truncated content chunk. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void lengthAnnouncingMoreThanIsSent_thenEnd() throws Exception {
        for (int[] announcedAndSent : new int[][] {{100, 50}, {100, 0}, {100, 115}, {65535, 1000}, {65535, 65550}}) {
            int announced = announcedAndSent[0];
            int sent = announcedAndSent[1];
            try (Probe p = new Probe(false)) {
                byte[] good = p.goodWrites();
                byte[] length = p.client.lengthChunk(announced);
                p.send(RawShs2Client.concat(good, length, HostileHandshakeTest.randomBytes(sent, sent)));
                RawShs2Client.fin(p.socket);
                p.expectError(GOOD, "shs2: secret channel truncated: the peer ended without end-of-stream, in a"
                        + " content chunk (" + sent + " of " + (announced + 16) + " bytes)");
            }
        }
    }

    /**
     * A length chunk that lies about the content chunk behind it, with enough bytes following: the content read
     * at the announced size does not verify.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void lengthAnnouncingMoreOrLess_thanTheContentBehindIt() throws Exception {
        for (int announced : new int[] {1, BAD.length - 1, BAD.length + 1, 100}) {
            try (Probe p = new Probe(false)) {
                byte[] good = p.goodWrites();
                byte[] length = p.client.lengthChunk(announced);
                p.send(RawShs2Client.concat(good, length, p.client.chunk(BAD), p.client.write(AFTER),
                        p.client.write(W2), p.client.endOfStream()));
                p.expectError(GOOD, "shs2: secret channel chunk 6 (content of " + announced
                        + " bytes) does not verify");
            }
        }
    }

    /** Chunks out of order, twice, missing, or from another session: delivery stops before the first of them. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void reorderedDuplicatedDroppedAndForeignChunks() throws Exception {
        byte[] foreign;
        try (Probe other = new Probe(true)) {
            foreign = other.client.write(W1); // valid in that session: replayed into another one below
            other.send(RawShs2Client.concat(foreign, other.client.endOfStream()));
            RawShs2Client.fin(other.socket);
            other.expectEnd(W1);
        }
        record Case(String what, int goodChunks, int[] order) {
        }
        // The honest order is 0 1 (W1), 2 3 (W2), 4 5 (W3 = AFTER), 6 7 (W2 again), 8 (end); after each case's
        // order come 6 7 8, so the decoder has enough bytes behind the damage to fail without waiting.
        List<Case> cases = List.of(
                new Case("W1 twice", 2, new int[] {0, 1, 0, 1}),
                new Case("W1's content twice", 2, new int[] {0, 1, 1}),
                new Case("W2 and W3 swapped", 2, new int[] {0, 1, 4, 5, 2, 3}),
                new Case("content before length", 0, new int[] {1, 0}),
                new Case("both lengths first", 0, new int[] {0, 2, 1, 3}),
                new Case("W2's length dropped", 2, new int[] {0, 1, 3}),
                new Case("W2's content dropped", 2, new int[] {0, 1, 2, 4, 5}),
                new Case("W1 dropped", 0, new int[] {2, 3}),
                new Case("W2 replayed after W3", 6, new int[] {0, 1, 2, 3, 4, 5, 2, 3}));
        for (Case c : cases) {
            try (Probe p = new Probe(false)) {
                List<byte[]> chunks = new ArrayList<>();
                for (byte[] content : List.of(W1, W2, AFTER)) {
                    chunks.add(p.client.lengthChunk(content.length));
                    chunks.add(p.client.chunk(content));
                }
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                for (int i : c.order()) {
                    wire.write(chunks.get(i));
                }
                wire.write(p.client.write(W2));
                wire.write(p.client.endOfStream());
                p.send(wire.toByteArray());
                byte[] expected = switch (c.goodChunks()) {
                    case 0 -> new byte[0];
                    case 2 -> W1;
                    default -> RawShs2Client.concat(W1, W2, AFTER);
                };
                p.expectError(expected, "does not verify");
            }
        }
        try (Probe p = new Probe(false)) {
            p.send(RawShs2Client.concat(foreign, p.client.write(W1), p.client.endOfStream()));
            p.expectError(new byte[0], "shs2: secret channel chunk 1 (a length) does not verify");
        }
    }

    // ---- truncation ----

    /**
     * A two-write stream and its end-of-stream (5 and 7 bytes: 98 bytes on the wire) cut at every position, then a
     * FIN: the application gets the writes whose content chunk arrived whole, then a truncation error; the whole
     * stream ends cleanly.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void twoWriteStreamCutAtEveryPosition() throws Exception {
        byte[] a = "12345".getBytes(US_ASCII);
        byte[] b = "abcdefg".getBytes(US_ASCII);
        int ends1 = 18 + a.length + 16;
        int ends2 = ends1 + 18 + b.length + 16;
        int total = ends2 + 18;
        for (int cut = 0; cut <= total; cut++) {
            try (Probe p = new Probe(true)) {
                byte[] stream = RawShs2Client.concat(p.client.write(a), p.client.write(b), p.client.endOfStream());
                assertThat(stream).hasSize(total);
                p.send(Arrays.copyOf(stream, cut));
                RawShs2Client.fin(p.socket);
                byte[] expected = cut >= ends2 ? RawShs2Client.concat(a, b) : cut >= ends1 ? a : new byte[0];
                if (cut == total) {
                    p.expectEnd(expected);
                } else {
                    p.expectError(expected, "shs2: secret channel truncated: the peer ended without end-of-stream");
                }
            }
        }
    }

    // ---- after the end-of-stream ----

    /**
     * Bytes after the end-of-stream: the application has its clean end with exactly the writes before it, never
     * sees what follows, and the server hangs up (the peer stays: the server closes by itself).
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void endOfStreamFollowedByMoreBytes() throws Exception {
        for (String what : List.of("garbage", "a valid write", "a second end-of-stream", "one byte")) {
            try (Probe p = new Probe(false)) {
                byte[] good = p.goodWrites();
                byte[] end = p.client.endOfStream();
                byte[] more = switch (what) {
                    case "garbage" -> HostileHandshakeTest.randomBytes(500, 5);
                    case "a valid write" -> p.client.write(AFTER);
                    case "a second end-of-stream" -> p.client.endOfStream();
                    default -> new byte[] {7};
                };
                p.send(RawShs2Client.concat(good, end, more));
                p.expectEnd(GOOD);
                p.expectViolationReported();
            }
        }
        // The same with the extra write sent only once the application saw its end.
        try (Probe p = new Probe(false)) {
            p.send(RawShs2Client.concat(p.goodWrites(), p.client.endOfStream()));
            Outcome outcome = p.outcome();
            assertThat(outcome.bytes()).isEqualTo(GOOD);
            assertThat(outcome.end()).isNull();
            p.send(p.client.write(AFTER));
            p.expectEnd(GOOD);
            p.expectViolationReported();
        }
    }

    // ---- read boundaries ----

    /**
     * A long honest stream (writes of 1, 100, 65535, 1000 bytes) written in pieces of 1 to 97 bytes, each flushed:
     * delivered whole and in order, then a clean end, whatever the reads; then the same with the last tag damaged.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void longStreamInRandomPieces() throws Exception {
        Random random = new Random(11);
        List<byte[]> writes = List.of(HostileHandshakeTest.randomBytes(1, 1), HostileHandshakeTest.randomBytes(100, 2),
                HostileHandshakeTest.randomBytes(65535, 3), HostileHandshakeTest.randomBytes(1000, 4));
        for (boolean damaged : new boolean[] {false, true}) {
            try (Probe p = new Probe(true)) {
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                for (byte[] w : writes) {
                    wire.write(p.client.write(w));
                }
                byte[] stream = wire.toByteArray();
                if (damaged) {
                    stream[stream.length - 1] ^= 1;
                } else {
                    stream = RawShs2Client.concat(stream, p.client.endOfStream());
                }
                p.sendInPieces(stream, random, 97);
                RawShs2Client.fin(p.socket);
                byte[] all = RawShs2Client.concat(writes.toArray(byte[][]::new));
                if (damaged) {
                    p.expectError(Arrays.copyOf(all, all.length - 1000), "shs2: secret channel chunk 8 (content of"
                            + " 1000 bytes) does not verify");
                } else {
                    p.expectEnd(all);
                }
            }
        }
    }

    // ---- the property ----

    /** One thing done to an honest stream of chunks. */
    enum Kind { NONE, FLIP, CUT, DUPLICATE, SWAP, DROP, REPLACE, GARBAGE_AFTER_END, WRITE_AFTER_END }

    record Damage(Kind kind, int at, int bit) {
        @Override
        public String toString() {
            return kind + " at " + at + (kind == Kind.FLIP ? "." + bit : "");
        }
    }

    /** A chunk on the wire: the honest chunk it was sealed as (null for foreign bytes), and its bytes now. */
    record Piece(Chunk chunk, byte[] bytes) {
    }

    /** An honestly sealed chunk: its place in the stream, and the content when it is a content chunk. */
    record Chunk(int index, byte[] content, boolean end, byte[] wire) {
    }

    /**
     * An honest stream of 0 to 4 writes and its end-of-stream, one damage, written in random pieces, then a FIN.
     * The expected outcome is what a correct decoder must do: walk the chunks in order; each must be the honest
     * chunk of that place, unchanged and whole; deliver each content chunk; stop with a clean end at the
     * end-of-stream, or with an error at the first chunk that is not right (or missing).
     */
    @Property
    void damagedStreamsInRandomPieces(@ForAll("writes") List<Integer> sizes, @ForAll("damages") Damage damage,
                                      @ForAll long seed, @ForAll @IntRange(min = 1, max = 64) int maxPiece)
            throws Exception {
        Random random = new Random(seed);
        try (Probe p = new Probe(true)) {
            List<Piece> pieces = new ArrayList<>();
            int index = 0;
            for (int size : sizes) {
                byte[] content = HostileHandshakeTest.randomBytes(size, random.nextLong());
                byte[] length = p.client.lengthChunk(size);
                pieces.add(new Piece(new Chunk(index++, null, false, length), length));
                byte[] sealed = p.client.chunk(content);
                pieces.add(new Piece(new Chunk(index++, content, false, sealed), sealed));
            }
            byte[] end = p.client.endOfStream();
            pieces.add(new Piece(new Chunk(index++, null, true, end), end));
            damage(pieces, damage, p.client, index, random);

            Outcome expected = model(pieces);
            Statistics.collect(damage.kind(), expected.end() == null ? "clean end" : "error");
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (Piece piece : pieces) {
                wire.write(piece.bytes());
            }
            p.sendInPieces(wire.toByteArray(), random, maxPiece);
            RawShs2Client.fin(p.socket);
            if (expected.end() == null) {
                p.expectEnd(expected.bytes());
            } else {
                p.expectError(expected.bytes(), "shs2: secret channel ");
            }
        }
    }

    private static void damage(List<Piece> pieces, Damage damage, RawShs2Client client, int nextIndex,
                               Random random) {
        int n = pieces.size();
        int i = damage.at() % n;
        switch (damage.kind()) {
            case NONE -> {
            }
            case FLIP, CUT -> {
                int total = pieces.stream().mapToInt(piece -> piece.bytes().length).sum();
                int pos = damage.at() % (damage.kind() == Kind.CUT ? total + 1 : total);
                for (int k = 0; k < pieces.size(); k++) {
                    Piece piece = pieces.get(k);
                    if (pos < piece.bytes().length) {
                        if (damage.kind() == Kind.FLIP) {
                            pieces.set(k, new Piece(piece.chunk(), RawShs2Client.flip(piece.bytes(),
                                    pos * 8 + damage.bit())));
                        } else {
                            pieces.set(k, new Piece(piece.chunk(), Arrays.copyOf(piece.bytes(), pos)));
                            pieces.subList(k + 1, pieces.size()).clear();
                        }
                        return;
                    }
                    pos -= piece.bytes().length;
                }
            }
            case DUPLICATE -> pieces.add(i + 1, pieces.get(i));
            case SWAP -> {
                if (n > 1) {
                    int j = i + 1 < n ? i + 1 : i - 1;
                    Piece a = pieces.get(i);
                    pieces.set(i, pieces.get(j));
                    pieces.set(j, a);
                }
            }
            case DROP -> pieces.remove(i);
            case REPLACE -> {
                byte[] junk = new byte[pieces.get(i).bytes().length];
                random.nextBytes(junk);
                pieces.set(i, new Piece(null, junk));
            }
            case GARBAGE_AFTER_END -> {
                byte[] junk = new byte[1 + damage.at() % 200];
                random.nextBytes(junk);
                pieces.add(new Piece(null, junk));
            }
            case WRITE_AFTER_END -> {
                byte[] content = HostileHandshakeTest.randomBytes(1 + damage.at() % 200, damage.at());
                byte[] length = client.lengthChunk(content.length);
                pieces.add(new Piece(new Chunk(nextIndex, null, false, length), length));
                byte[] sealed = client.chunk(content);
                pieces.add(new Piece(new Chunk(nextIndex + 1, content, false, sealed), sealed));
            }
        }
    }

    /** What a correct decoder delivers for these pieces, and whether it ends cleanly (null) or with an error. */
    private static Outcome model(List<Piece> pieces) {
        ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        int next = 0;
        for (Piece piece : pieces) {
            Chunk chunk = piece.chunk();
            if (chunk == null || chunk.index() != next || !Arrays.equals(chunk.wire(), piece.bytes())) {
                return new Outcome(delivered.toByteArray(), new IOException("bad chunk " + next));
            }
            if (chunk.end()) {
                return new Outcome(delivered.toByteArray(), null);
            }
            if (chunk.content() != null) {
                delivered.writeBytes(chunk.content());
            }
            next++;
        }
        return new Outcome(delivered.toByteArray(), new IOException("truncated after " + next));
    }

    @Provide
    Arbitrary<List<Integer>> writes() {
        Arbitrary<Integer> size = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(1, 40)),
                Tuple.of(3, Arbitraries.integers().between(41, 400)),
                Tuple.of(1, Arbitraries.integers().between(401, 3000)));
        return size.list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<Damage> damages() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 100_000),
                Arbitraries.integers().between(0, 7)).as(Damage::new);
    }

    // ---- the hostile peer and the application ----

    /** What the application read: every byte, then null for a clean end or the error its input threw. */
    record Outcome(byte[] bytes, Throwable end) {
    }

    /**
     * A raw connection that ran the honest handshake, registered by its port so the application on the server side
     * reports to it. {@code closeAfterEnd}: after a clean end the application closes the connection (else it leaves
     * the closing to the server, which must hang up on bytes after the end-of-stream).
     */
    static final class Probe implements AutoCloseable {
        final RawShs2Client client = new RawShs2Client(f.serverKey);
        final Socket socket;
        final int port;
        final boolean closeAfterEnd;
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        /** What the server's error handler got for this connection: violations after a clean end. */
        final List<Throwable> violations = new CopyOnWriteArrayList<>();

        Probe(boolean closeAfterEnd) throws Exception {
            this.closeAfterEnd = closeAfterEnd;
            socket = RawShs2Client.dial(f.address, BOUND);
            port = socket.getLocalPort();
            if (f.probes.putIfAbsent(port, this) != null) {
                throw new IllegalStateException("port " + port + " is registered already");
            }
            client.handshake(socket);
        }

        /** W1 and W2 sealed (chunks 1 to 4). */
        byte[] goodWrites() {
            return RawShs2Client.concat(client.write(W1), client.write(W2));
        }

        void send(byte[] bytes) {
            RawShs2Client.send(socket, bytes);
        }

        /** Writes {@code bytes} in pieces of 1 to {@code maxPiece} bytes, each flushed, until done or refused. */
        void sendInPieces(byte[] bytes, Random random, int maxPiece) {
            for (int at = 0; at < bytes.length; ) {
                int to = Math.min(bytes.length, at + 1 + random.nextInt(maxPiece));
                if (!RawShs2Client.send(socket, bytes, at, to)) {
                    return;
                }
                at = to;
            }
        }

        Outcome outcome() throws Exception {
            return outcome.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }

        /** The application read exactly {@code bytes}, then an error naming {@code reason}; the server hung up. */
        void expectError(byte[] bytes, String reason) throws Exception {
            Outcome o = outcome();
            assertThat(o.end()).as("how the application's input ended, after %d bytes", o.bytes().length)
                    .isInstanceOf(IOException.class);
            assertThat(o.bytes()).as("the bytes the application read before its error (%s)", o.end().getMessage())
                    .isEqualTo(bytes);
            assertThat(o.end().getCause()).isInstanceOf(SecretChannelException.class);
            assertThat(o.end().getMessage()).contains(reason);
            serverHangsUpSilently();
        }

        /**
         * The application read exactly {@code bytes}, then a clean end; the server hung up: with nothing sent when it
         * hangs up on bytes after the end-of-stream, with its own end-of-stream (one length chunk) when the
         * application closed first ({@code closeAfterEnd}).
         */
        void expectEnd(byte[] bytes) throws Exception {
            Outcome o = outcome();
            assertThat(o.end()).as("how the application's input ended, after %d bytes", o.bytes().length).isNull();
            assertThat(o.bytes()).as("the bytes the application read before its end").isEqualTo(bytes);
            if (closeAfterEnd) {
                // Its end-of-stream, unless bytes behind ours made it hang up before the application's close ran.
                assertThat(RawShs2Client.readUntilClosed(socket).length).as("bytes the server sent: its end-of-stream"
                        + " or nothing").isIn(0, ChannelCipher.LENGTH_CHUNK);
            } else {
                serverHangsUpSilently();
            }
        }

        /** Bytes after the end-of-stream reached the server's error handler as a violation, once. */
        void expectViolationReported() {
            assertThat(violations).singleElement().satisfies(e -> assertThat(e.getMessage())
                    .startsWith("shs2: ").endsWith(" after the peer's end-of-stream: it broke the protocol after"
                            + " its clean end"));
        }

        private void serverHangsUpSilently() throws IOException {
            assertThat(RawShs2Client.readUntilClosed(socket)).as("bytes the server sent").isEmpty();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            f.probes.remove(port, this);
        }
    }

    private static void echo(Connection connection) {
        try (InputStream in = connection.input(); OutputStream out = connection.output()) {
            in.transferTo(out);
        } catch (IOException e) {
            connection.close();
        }
    }

    /** The server, an honest client MultiServer and a long-lived honest connection. */
    static final class Fixture implements AutoCloseable {
        final Map<Integer, Probe> probes = new ConcurrentHashMap<>();
        final List<Throwable> serverErrors = new CopyOnWriteArrayList<>();
        final MultiServer server;
        final MultiServer client;
        final String address;
        final byte[] serverKey;
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
            server = MultiServer.builder().listen("net:127.0.0.1:0~shs2")
                    .onServerError(this::serverError).build();
            address = server.listen(this::application).get(BOUND.toSeconds(), TimeUnit.SECONDS)
                    .stringify(Scope.DEVICE);
            serverKey = RawShs2Client.serverKey(address);
            client = MultiServer.builder().listen("net~shs2").build();
            longLived = client.connect(address).get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }

        /** A probe's violation after its clean end goes to the probe; anything else is a server error. */
        private void serverError(String peer, String stack, Throwable error) {
            Probe probe = probes.get(Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1)));
            if (probe != null && error.getMessage() != null && error.getMessage().contains("after the peer's"
                    + " end-of-stream")) {
                probe.violations.add(error);
            } else {
                serverErrors.add(error);
            }
        }

        /** The server's application: a registered probe's connection is read to its end; any other one echoes. */
        private void application(Connection connection) {
            int port = Integer.parseInt(connection.remoteAddress().transport().item(1));
            Probe probe = probes.get(port); // this fixture's: the static f is not set while it is built
            if (probe == null) {
                echo(connection);
                return;
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            Throwable end = null;
            try {
                InputStream in = connection.input(); // not closed: closing the input closes the connection
                byte[] buffer = new byte[4096];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    got.write(buffer, 0, n);
                }
            } catch (IOException e) {
                end = e;
            }
            probe.outcome.complete(new Outcome(got.toByteArray(), end));
            if (end == null && probe.closeAfterEnd) {
                connection.close();
            }
        }

        void honestClientsStillServed() throws Exception {
            longLived.output().write(42);
            assertThat(longLived.input().read()).as("the long-lived connection's echo").isEqualTo(42);
            Connection honest = client.connect(address).get(BOUND.toSeconds(), TimeUnit.SECONDS);
            byte[] data = HostileHandshakeTest.randomBytes(100_000, 9);
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
            assertThat(serverErrors).as("server errors (every handshake here succeeded)").isEmpty();
            assertThat(uncaught).as("uncaught exceptions").isEmpty();
        }

        @Override
        public void close() {
            longLived.abort();
            client.close();
            server.close();
            readers.shutdownNow();
            Thread.setDefaultUncaughtExceptionHandler(previousHandler);
        }
    }
}
