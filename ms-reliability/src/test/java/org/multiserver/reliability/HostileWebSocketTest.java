package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;
import org.multiserver.ws.WsOptions;

/**
 * Hostile WebSocket input against one real ws~shs server, from raw sockets: frames over {@code ws.max-frame-size},
 * a fragmented control frame, unmasked client frames, an upgrade request that trickles for ever, one whose headers
 * never end, and 2,000 half-open upgrades held at once. Each peer is dropped by the server within a bound it
 * enforces (the close status it calls for, or the handshake timeout), while an honest client's echo on a connection
 * held through every test still answers, and a new honest client is served after each. Netty's PARANOID leak
 * detection (ms-testing) fails a test on a leaked buffer; after all of them the heap after GC is back near its
 * baseline.
 */
@Timeout(120)
class HostileWebSocketTest {
    private static final int MAX_FRAME = 4096;
    /** The server's handshake timeout: the bound for a peer that never finishes its upgrade. */
    private static final Duration HANDSHAKE = Duration.ofSeconds(4);
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final int HALF_OPEN = Rel.intProperty("reliability.halfOpenUpgrades", 2000);
    private static final long HEAP_SLACK = 16L << 20;

    private static MultiServer server;
    private static MultiServer client;
    private static String address;
    private static InetSocketAddress endpoint;
    private static Connection honest;
    private static Rel.ServerErrors errors;
    private static long heapBefore;
    private Rel.Uncaught uncaught;

    @BeforeAll
    static void start() throws Exception {
        errors = new Rel.ServerErrors();
        server = MultiServer.builder().listen("ws://127.0.0.1:0~shs").option(WsOptions.MAX_FRAME_SIZE, MAX_FRAME)
                .handshakeTimeout(HANDSHAKE).onServerError(errors).build();
        address = server.listen(Rel::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        String transport = address.split("~")[0];
        endpoint = new InetSocketAddress("127.0.0.1",
                Integer.parseInt(transport.substring(transport.lastIndexOf(':') + 1)));
        client = clientBuilder().build();
        honest = client.connect(address).get(10, TimeUnit.SECONDS);
        Rel.ping(honest);
        heapBefore = Rel.usedHeapAfterGc();
    }

    @AfterAll
    static void stop() {
        honest.close();
        client.close();
        server.close();
        long heapAfter = Rel.usedHeapAfterGc();
        Figures.report("hostile-ws", String.format("heap after GC before the hostile ws tests %.1f MiB, after all"
                + " of them %.1f MiB", heapBefore / 1048576.0, heapAfter / 1048576.0));
        assertThat(heapAfter - heapBefore).as("heap growth after GC over every test").isLessThan(HEAP_SLACK);
    }

    @org.junit.jupiter.api.BeforeEach
    void installUncaught() {
        uncaught = new Rel.Uncaught();
    }

    /** The held honest connection still echoes, a new honest client is served, and no thread died. */
    @AfterEach
    void theServerStillServes() throws Exception {
        Rel.ping(honest);
        try (MultiServer fresh = clientBuilder().build()) {
            byte[] data = Rel.random(50_000, 9);
            assertThat(Rel.roundTrip(fresh.connect(address).get(10, TimeUnit.SECONDS), data)).isEqualTo(data);
        }
        uncaught.close();
        assertThat(uncaught.seen).as("uncaught exceptions").isEmpty();
    }

    /** Upgrades, sends {@code frames} as they are, stays, and returns the status the server closed with. */
    private static int closeStatusAfter(byte[]... frames) throws IOException {
        try (RawWsPeer peer = new RawWsPeer(endpoint, BOUND, 1)) {
            peer.upgrade();
            try {
                for (byte[] frame : frames) {
                    peer.write(frame);
                }
            } catch (SocketException e) {
                // the server hung up while we still wrote
            }
            Rel.ping(honest); // served meanwhile
            peer.readUntilTheServerHangsUp();
            return peer.closeStatus();
        }
    }

    @Test
    void aFrameOverTheMaximumSizeCloses1009() throws Exception {
        long before = errors.all.size();
        RawWsPeer framer = new RawWsPeer(endpoint, BOUND, 2);
        framer.close(); // only its frame builder is used
        assertThat(closeStatusAfter(framer.frame(true, RawWsPeer.BINARY, new byte[MAX_FRAME + 1], true)))
                .isEqualTo(1009);
        awaitErrors(before + 1);
        assertThat(errors.all.get(errors.all.size() - 1).message()).contains("bigger than the maximum frame size");
    }

    @Test
    void aFrameAnnouncingTwoGigabytesCloses1009WithoutWaitingForIt() throws Exception {
        // The header alone: 2^31 - 1 bytes announced, none sent. The server must not wait for (or buffer) them.
        byte[] header = {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            1, 2, 3, 4};
        assertThat(closeStatusAfter(header)).isEqualTo(1009);
    }

    @Test
    void aFragmentedControlFrameCloses1002() throws Exception {
        RawWsPeer framer = new RawWsPeer(endpoint, BOUND, 3);
        framer.close();
        assertThat(closeStatusAfter(framer.frame(false, RawWsPeer.PING, "half a ping".getBytes(StandardCharsets.US_ASCII),
                true))).isEqualTo(1002);
    }

    @Test
    void anUnmaskedClientFrameCloses1002() throws Exception {
        RawWsPeer framer = new RawWsPeer(endpoint, BOUND, 4);
        framer.close();
        assertThat(closeStatusAfter(framer.frame(true, RawWsPeer.BINARY, new byte[64], false))).isEqualTo(1002);
    }

    @Test
    void anUpgradeRequestThatTricklesForEverIsDroppedAtTheHandshakeTimeout() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(endpoint, 5_000);
            // Each read waits at most 50 ms: that paces the trickle and notices the server's hang-up.
            socket.setSoTimeout(50);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: ".getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + BOUND.toNanos();
            boolean hungUp = false;
            int sent = 0;
            while (!hungUp && System.nanoTime() < deadline) {
                try {
                    out.write('a');
                    out.flush();
                    sent++;
                    hungUp = in.read() < 0;
                } catch (SocketTimeoutException e) {
                    // nothing yet: trickle on
                } catch (SocketException e) {
                    hungUp = true; // reset
                }
                if (sent == 20) {
                    Rel.ping(honest); // served meanwhile
                }
            }
            assertThat(hungUp).as("the server dropped a request trickling for %s", BOUND).isTrue();
            Figures.report("hostile-ws", "an upgrade request trickling a byte every 50 ms was dropped after "
                    + sent + " bytes (handshake timeout " + HANDSHAKE.toSeconds() + " s)");
        }
    }

    @Test
    void headersThatNeverEndGet400AtTheHeaderLimit() throws Exception {
        try (Socket socket = Rel.raw("net:127.0.0.1:" + endpoint.getPort() + "~x", BOUND)) {
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] header = ("X-Filler: " + "f".repeat(100) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            long sent = 0;
            try {
                for (int i = 0; i < 10_000; i++) { // 1 MB of headers, never the blank line
                    out.write(header);
                    sent += header.length;
                }
            } catch (SocketException e) {
                // the server answered and closed while we still wrote
            }
            String answer = new String(Rel.readUntilClosed(socket), StandardCharsets.ISO_8859_1);
            Figures.report("hostile-ws", "headers that never end: the server answered '" + answer.lines()
                    .findFirst().orElse("") + "' and closed, " + sent + " bytes written by then");
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request").contains("larger than");
        }
    }

    @Test
    void thousandsOfHalfOpenUpgradesAreHeldCheaplyThenDropped_andTheServerServesMeanwhile() throws Exception {
        long heapIdle = Rel.usedHeapAfterGc();
        byte[] half = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Up"
                .getBytes(StandardCharsets.US_ASCII);
        List<Socket> sockets = new ArrayList<>();
        try {
            long opened = System.nanoTime();
            for (int i = 0; i < HALF_OPEN; i++) {
                Socket s = new Socket();
                sockets.add(s);
                s.connect(endpoint, 5_000);
                s.setSoTimeout((int) BOUND.toMillis());
                s.getOutputStream().write(half);
            }
            long openMillis = (System.nanoTime() - opened) / 1_000_000;
            long heapHeld = Rel.usedHeapAfterGc();
            // Served while they are all held: the held connection, and a new client with a whole handshake.
            Rel.ping(honest);
            try (MultiServer fresh = clientBuilder().build()) {
                byte[] data = Rel.random(10_000, 11);
                assertThat(Rel.roundTrip(fresh.connect(address).get(10, TimeUnit.SECONDS), data)).isEqualTo(data);
            }
            int dropped = 0;
            for (Socket s : sockets) {
                Rel.readUntilClosed(s); // bounded by the read timeout: fails if the server keeps one
                dropped++;
            }
            long heapAfter = Rel.usedHeapAfterGc();
            Figures.report("hostile-ws", String.format("%d half-open upgrades opened in %d ms and held; heap after"
                    + " GC %.1f MiB idle, %.1f MiB with them held (%.1f KiB each), %.1f MiB after the server"
                    + " dropped all %d at its handshake timeout (%d s)", HALF_OPEN, openMillis,
                    heapIdle / 1048576.0, heapHeld / 1048576.0, (heapHeld - heapIdle) / 1024.0 / HALF_OPEN,
                    heapAfter / 1048576.0, dropped, HANDSHAKE.toSeconds()));
            assertThat(dropped).isEqualTo(HALF_OPEN);
            assertThat(heapAfter - heapIdle).as("heap after GC once they are gone").isLessThan(HEAP_SLACK);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertThat(Rel.await(BOUND, () -> server.openConnections() == 1)).as("only the honest connection is open")
                .isTrue();
    }

    /** Honest clients cut their writes at the server's maximum frame size, as its own writes are. */
    private static MultiServer.Builder clientBuilder() {
        return MultiServer.builder().listen("ws~shs").option(WsOptions.MAX_FRAME_SIZE, MAX_FRAME);
    }

    private static void awaitErrors(long count) {
        assertThat(Rel.await(BOUND, () -> errors.all.size() >= count)).as("server errors %s", errors.all).isTrue();
    }
}
