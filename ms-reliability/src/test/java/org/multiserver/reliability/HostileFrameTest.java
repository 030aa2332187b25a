package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.RawShs;
import org.multiserver.spi.Scope;

/**
 * A peer that completed the real handshake, then sends hostile box-stream frames through a real socket, after two
 * good ones, and keeps its socket open. The application must get exactly the two good frames' bytes and then an
 * error (or, after a goodbye, its end), never a byte of the bad frame or of the valid frame sent after it; the
 * server must close the connection itself (no hang on a peer that stays), keep serving others, and count no server
 * error (the handshake succeeded). Many variations of each case run in memory in ms-plugin-shs
 * ({@code HostileFramePropertiesTest}); this proves the same through sockets, the core and the blocking streams.
 */
@Timeout(60)
class HostileFrameTest {
    private static final byte[] GOOD_1 = "good frame one".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GOOD_2 = "good frame two".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AFTER = "sent after the bad part".getBytes(StandardCharsets.US_ASCII);

    /** What the server's application read: every byte, then how its input ended ("end" or the error message). */
    private record Outcome(byte[] bytes, String end) {
    }

    private final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    private final Rel.ServerErrors errors = new Rel.ServerErrors();
    private Rel.Uncaught uncaught;
    private MultiServer server;

    @BeforeEach
    void before() {
        uncaught = new Rel.Uncaught();
    }

    @AfterEach
    void after() {
        if (server != null) {
            server.close();
        }
        uncaught.close();
        assertThat(uncaught.seen).as("uncaught exceptions").isEmpty();
    }

    private void recordingReader(Connection connection) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (InputStream in = connection.input()) {
            byte[] buffer = new byte[4096];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                got.write(buffer, 0, n);
            }
            outcomes.add(new Outcome(got.toByteArray(), "end"));
        } catch (IOException e) {
            outcomes.add(new Outcome(got.toByteArray(), String.valueOf(e.getMessage())));
        }
        connection.abort();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"header bit flipped", "body bit flipped", "length over 4096", "data after the goodbye",
        "garbage"})
    void hostileFrame_deliversOnlyTheGoodFrames_andTheServerHangsUp(String kind) throws Exception {
        server = MultiServer.builder().listen("net:127.0.0.1:0~shs").onServerError(errors).build();
        String address = server.listen(this::recordingReader).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        RawShs shs = new RawShs(RawShs.serverKey(address));
        try (Socket raw = Rel.raw(address, Duration.ofSeconds(10))) {
            shs.handshake(raw);
            OutputStream out = raw.getOutputStream();
            InputStream in = raw.getInputStream();
            out.write(shs.frame(GOOD_1));
            out.write(shs.frame(GOOD_2));
            out.write(hostile(kind, shs));
            out.write(shs.frame(AFTER)); // valid under the next nonces: must not be delivered either
            out.flush();
            // We keep our side open: the server must hang up by itself.
            assertThat(readUntilTheServerHangsUp(in)).as("bytes the server sent").isZero();
        }
        Outcome outcome = outcomes.poll(10, TimeUnit.SECONDS);
        assertThat(outcome).as("the application's read ended").isNotNull();
        Figures.report("hostile-frames", kind + " -> the application read " + outcome.bytes().length
                + " bytes, then: " + outcome.end());
        assertThat(outcome.bytes()).as("exactly the good frames").isEqualTo(concat(GOOD_1, GOOD_2));
        String expected = switch (kind) {
            case "header bit flipped", "garbage" ->
                "shs: box-stream header 3 failed authentication (corrupted or forged data)";
            case "body bit flipped" -> "shs: box-stream body 3 failed authentication (corrupted or forged data)";
            case "length over 4096" -> "shs: box-stream frame 3 announces a body of 5000 bytes, over the 4096-byte"
                    + " limit";
            default -> null;
        };
        if (expected != null) {
            // Read errors name the peer first (net:127.0.0.1:PORT~shs:KEY: ...), then the layer's own words.
            assertThat(outcome.end()).endsWith("=: " + expected);
        } else {
            // After the goodbye the application has its end of input; what follows is the connection's error.
            assertThat(outcome.end()).isEqualTo("end");
        }
        if (kind.equals("data after the goodbye")) {
            // The violation after the clean end reaches the server's error handler (the byte count depends on where
            // the reads were cut); the handler saw it before the server hung up.
            assertThat(errors.all).singleElement().satisfies(e -> {
                assertThat(e.stack()).isEqualTo("net~shs");
                assertThat(e.peer()).startsWith("net:127.0.0.1:");
                assertThat(e.message()).startsWith("shs: box-stream data after the goodbye (")
                        .endsWith(" bytes): the peer broke the protocol after its clean end");
            });
        } else {
            assertThat(errors.all).as("a handshake that succeeded is no server error").isEmpty();
        }
        assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 0)).isTrue();
        try (MultiServer client = MultiServer.builder().listen("net~shs").build()) {
            byte[] data = Rel.random(10_000, 7);
            // The reader does not echo: a clean end with every byte is what this honest client can check.
            Connection honest = client.connect(address).get(10, TimeUnit.SECONDS);
            honest.output().write(data);
            honest.output().close();
            Outcome served = outcomes.poll(10, TimeUnit.SECONDS);
            assertThat(served).isNotNull();
            assertThat(served.bytes()).isEqualTo(data);
            assertThat(served.end()).isEqualTo("end");
        }
    }

    private static byte[] hostile(String kind, RawShs shs) {
        byte[] body = "the bad frame's plaintext".getBytes(StandardCharsets.US_ASCII);
        return switch (kind) {
            case "header bit flipped" -> flip(shs.frame(body), 5);
            case "body bit flipped" -> flip(shs.frame(body), 34 + 3);
            case "length over 4096" -> shs.frameAnnouncing(5000, Rel.random(5000, 1));
            case "data after the goodbye" -> concat(shs.goodbye(), shs.frame(body));
            case "garbage" -> Rel.random(100, 2);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static byte[] flip(byte[] frame, int at) {
        frame[at] ^= 0x10;
        return frame;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Reads until the server closes (end of stream or a reset); returns how many bytes it sent first. */
    private static int readUntilTheServerHangsUp(InputStream in) throws IOException {
        int total = 0;
        try {
            for (int n; (n = in.read(new byte[256])) >= 0; ) {
                total += n;
            }
        } catch (SocketException reset) {
            // the server closed with our bytes unread: a reset is a hang-up too
        }
        return total;
    }
}
