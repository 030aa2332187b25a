package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.core.DialException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.RawShs;
import org.multiserver.spi.Scope;

/**
 * Peers that vanish (FIN or TCP reset) mid-handshake and mid-frame, a peer that trickles one byte per second, and a
 * server closed while its connections are busy. After each test every MultiServer is closed and the JVM's open file
 * descriptors must come back to what they were (small slack), no thread may have died of an uncaught exception,
 * and Netty's PARANOID leak detection (ms-testing) fails the test on a leaked buffer. After all of them the heap
 * after GC must be back near where it was before the first.
 */
@Timeout(120)
class FaultTest {
    private static final int FD_SLACK = 4;
    private static final long HEAP_SLACK = 16L << 20;
    private static long heapBefore;

    private final List<MultiServer> toClose = new ArrayList<>();
    private final Rel.ServerErrors errors = new Rel.ServerErrors();
    /** What each server handler saw: "end" at a clean end of input, else the error's message. */
    private final BlockingQueue<String> handlerOutcomes = new LinkedBlockingQueue<>();
    private Rel.Uncaught uncaught;
    private int fdsBefore;

    @BeforeAll
    static void warmUp() throws Exception {
        // Load libsodium, Netty and the plugins once, so their files do not count as descriptors we leaked.
        try (MultiServer s = MultiServer.builder().listen("net:127.0.0.1:0~shs").build();
             MultiServer c = MultiServer.builder().listen("net~shs").build()) {
            String address = s.listen(Rel::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
            Rel.roundTrip(c.connect(address).get(10, TimeUnit.SECONDS), new byte[] {1});
        }
        heapBefore = Rel.usedHeapAfterGc();
    }

    @AfterAll
    static void heapIsBack() {
        long heapAfter = Rel.usedHeapAfterGc();
        Figures.report("faults", String.format("heap after GC before the fault tests %.1f MiB, after all of them"
                + " %.1f MiB", heapBefore / 1048576.0, heapAfter / 1048576.0));
        assertThat(heapAfter - heapBefore).as("heap growth after GC over all fault tests").isLessThan(HEAP_SLACK);
    }

    @BeforeEach
    void before() {
        uncaught = new Rel.Uncaught();
        fdsBefore = Rel.openFds();
    }

    @AfterEach
    void after() {
        for (MultiServer ms : toClose) {
            ms.close();
        }
        uncaught.close();
        assertThat(uncaught.seen).as("uncaught exceptions").isEmpty();
        boolean back = Rel.await(Duration.ofSeconds(10), () -> Rel.openFds() <= fdsBefore + FD_SLACK);
        Figures.report("faults", "file descriptors before " + fdsBefore + ", after closing everything "
                + Rel.openFds());
        assertThat(back).as("open file descriptors came back (before %d, now %d)", fdsBefore, Rel.openFds())
                .isTrue();
    }

    private MultiServer serverWith(Duration handshakeTimeout) {
        MultiServer s = MultiServer.builder().listen("net:127.0.0.1:0~shs").onServerError(errors)
                .handshakeTimeout(handshakeTimeout).build();
        toClose.add(s);
        return s;
    }

    private MultiServer client() {
        MultiServer c = MultiServer.builder().listen("net~shs").build();
        toClose.add(c);
        return c;
    }

    /** A handler that reads to the end (echoing) and records how the input ended. */
    private void recordingEcho(Connection connection) {
        try (InputStream in = connection.input(); OutputStream out = connection.output()) {
            in.transferTo(out);
            handlerOutcomes.add("end");
        } catch (IOException e) {
            handlerOutcomes.add(String.valueOf(e.getMessage()));
            connection.abort();
        }
    }

    private void assertStillServes(MultiServer server, String address) throws Exception {
        assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 0))
                .as("the broken peer's connection was freed; open: %s", server.openConnections()).isTrue();
        Connection good = client().connect(address).get(10, TimeUnit.SECONDS);
        byte[] data = Rel.random(100_000, 7);
        assertThat(Rel.roundTrip(good, data)).isEqualTo(data);
    }

    /**
     * A raw peer sends part of the handshake and vanishes: {@code cut} bytes into message 1 (0 = right after
     * connecting), or all of message 1 and {@code cut - 64} bytes of message 3.
     */
    @ParameterizedTest(name = "{0} after {1} bytes")
    @CsvSource({"close, 0", "reset, 0", "close, 30", "reset, 30", "close, 64", "reset, 64", "close, 120",
            "reset, 120"})
    void peerVanishesMidHandshake_theServerReportsItAndKeepsServing(String how, int cut) throws Exception {
        MultiServer server = serverWith(Duration.ofSeconds(10));
        String address = server.listen(this::recordingEcho).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        RawShs shs = new RawShs(RawShs.serverKey(address));
        try (Socket raw = Rel.raw(address, Duration.ofSeconds(10))) {
            byte[] m1 = shs.message1();
            OutputStream out = raw.getOutputStream();
            out.write(Arrays.copyOf(m1, Math.min(cut, 64)));
            int expectedMessage = 1;
            if (cut > 64) {
                byte[] m2 = raw.getInputStream().readNBytes(64);
                byte[] m3 = shs.message3(m2);
                out.write(Arrays.copyOf(m3, cut - 64));
                expectedMessage = 3;
            } else if (cut == 64) {
                assertThat(raw.getInputStream().readNBytes(64)).hasSize(64); // message 2: then we vanish
                expectedMessage = 3;
            }
            out.flush();
            if (how.equals("reset")) {
                Rel.reset(raw);
            } else {
                raw.close(); // FIN
            }
            int message = expectedMessage;
            assertThat(Rel.await(Duration.ofSeconds(5), () -> errors.all.size() == 1))
                    .as("one server error for the vanished peer, well before the 10 s deadline").isTrue();
            Rel.ServerError e = errors.all.get(0);
            assertThat(e.stack()).isEqualTo("net~shs");
            assertThat(e.message()).startsWith("shs: the client hung up").contains("(message " + message + ")");
        }
        assertStillServes(server, address);
        assertThat(handlerOutcomes).as("the broken peer never reached the application").containsOnly("end");
        assertThat(errors.all).hasSize(1);
    }

    /**
     * A peer completes the handshake, then vanishes {@code partial} bytes into a box-stream frame (a header is 34
     * bytes). The application's read fails with a clear error; the server keeps serving.
     */
    @ParameterizedTest(name = "{0} after {1} bytes of a frame")
    @CsvSource({"close, 0", "reset, 0", "close, 20", "reset, 20", "close, 40", "reset, 40"})
    void peerVanishesMidFrame_theApplicationGetsAClearError(String how, int partial) throws Exception {
        MultiServer server = serverWith(Duration.ofSeconds(10));
        String address = server.listen(this::recordingEcho).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        RawShs shs = new RawShs(RawShs.serverKey(address));
        try (Socket raw = Rel.raw(address, Duration.ofSeconds(10))) {
            shs.handshake(raw);
            OutputStream out = raw.getOutputStream();
            out.write(Rel.random(partial, partial)); // the start of a frame, never finished
            out.flush();
            if (how.equals("reset")) {
                Rel.reset(raw);
            }
        }
        String outcome = handlerOutcomes.poll(10, TimeUnit.SECONDS);
        assertThat(outcome).as("the handler's read ended").isNotNull();
        Figures.report("faults", how + " " + partial + " bytes into a frame -> the application reads: " + outcome);
        // Read errors name the peer first (net:127.0.0.1:PORT~shs:KEY: ...), then the layer's own words.
        assertThat(outcome).matches("net:127\\.0\\.0\\.1:\\d+~shs:[A-Za-z0-9+/]{43}=: .*|end");
        String reason = outcome.substring(outcome.indexOf("=: ") + 3);
        if (partial >= 34) {
            // A whole (random) header arrived before the peer vanished: it fails authentication first.
            assertThat(reason).isEqualTo("shs: box-stream header 1 failed authentication (corrupted or forged data)");
        } else if (how.equals("close")) {
            assertThat(reason).startsWith("shs: box-stream truncated: the peer ended without a goodbye");
        } else {
            // A reset either arrives as such or, when the FIN-less close races the read, as a truncation.
            assertThat(outcome).isNotEqualTo("end").isNotBlank();
        }
        assertThat(errors.all).as("a handshake that succeeded is no server error").isEmpty();
        assertStillServes(server, address);
    }

    /** A real client resets its connection in the middle of a large echo; the server's others are unaffected. */
    @Test
    void clientResetMidStream_otherConnectionsFinish() throws Exception {
        MultiServer server = serverWith(Duration.ofSeconds(10));
        String address = server.listen(this::recordingEcho).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        MultiServer client = client();
        Connection other = client.connect(address).get(10, TimeUnit.SECONDS);
        Connection victim = client.connect(address).get(10, TimeUnit.SECONDS);
        victim.channel().config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
        CompletableFuture<byte[]> otherEcho = CompletableFuture.supplyAsync(() -> {
            try {
                return Rel.roundTrip(other, Rel.random(8 << 20, 3));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        victim.output().write(Rel.random(1 << 20, 4));
        victim.abort(); // linger 0: a TCP reset, mid-stream
        String outcome = handlerOutcomes.poll(10, TimeUnit.SECONDS);
        assertThat(outcome).isNotNull().isNotEqualTo("end");
        assertThat(otherEcho.get(60, TimeUnit.SECONDS)).isEqualTo(Rel.random(8 << 20, 3));
        assertStillServes(server, address);
    }

    /**
     * A peer trickles message 1 at one byte per second (a bounded schedule of at most 20 bytes); the handshake
     * deadline (1.5 s here) drops it, the server reports why, and the peer is closed without a byte.
     */
    @Test
    void oneBytePerSecond_isDroppedAtTheHandshakeDeadline() throws Exception {
        MultiServer server = serverWith(Duration.ofMillis(1500));
        String address = server.listen(this::recordingEcho).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        byte[] m1 = new RawShs(RawShs.serverKey(address)).message1();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger sent = new AtomicInteger();
        long start = System.nanoTime();
        try (Socket raw = Rel.raw(address, Duration.ofSeconds(15))) {
            OutputStream out = raw.getOutputStream();
            ScheduledFuture<?> task = trickle.scheduleAtFixedRate(() -> {
                int i = sent.get();
                if (i >= 20) {
                    throw new IllegalStateException("done"); // ends the schedule
                }
                try {
                    out.write(m1[i]);
                    out.flush();
                    sent.incrementAndGet();
                } catch (IOException e) {
                    throw new IllegalStateException("closed"); // the server dropped us: stop
                }
            }, 0, 1, TimeUnit.SECONDS);
            byte[] got = Rel.readUntilClosed(raw); // bounded by the 15 s read timeout
            double seconds = (System.nanoTime() - start) / 1e9;
            task.cancel(false);
            assertThat(got).as("no byte to a peer that never finished message 1").isEmpty();
            assertThat(seconds).as("dropped at the deadline, not after the schedule").isLessThan(6);
            assertThat(sent.get()).isBetween(1, 5);
            Figures.report("faults", String.format("one byte per second: dropped after %.2f s, %d bytes sent",
                    seconds, sent.get()));
        } finally {
            trickle.shutdownNow();
        }
        assertThat(Rel.await(Duration.ofSeconds(5), () -> errors.all.size() == 1)).isTrue();
        assertThat(errors.all.get(0).message()).startsWith("shs: handshake deadline of")
                .contains("waiting for the client challenge (message 1)");
        assertStillServes(server, address);
    }

    /**
     * One MultiServer listens twice (two ports). Clients stream through both; the first listener is closed while
     * they are busy. Its clients get clear errors; the other listener's clients finish their echoes intact, and a
     * new client on it succeeds. Then every descriptor comes back (checked after each test).
     */
    @Test
    void listenerClosedWhileBusy_itsClientsGetClearErrors_theOtherKeepsServing() throws Exception {
        MultiServer server = serverWith(Duration.ofSeconds(10));
        MultiServer.Listening closing = server.listen(this::recordingEcho).get(10, TimeUnit.SECONDS);
        MultiServer.Listening staying = server.listen(this::recordingEcho).get(10, TimeUnit.SECONDS);
        String closingAddress = closing.stringify(Scope.DEVICE);
        String stayingAddress = staying.stringify(Scope.DEVICE);
        MultiServer client = client();

        AtomicBoolean stop = new AtomicBoolean();
        List<Streamer> doomed = new ArrayList<>();
        List<Streamer> survivors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            doomed.add(new Streamer(client.connect(closingAddress).get(10, TimeUnit.SECONDS), stop));
            survivors.add(new Streamer(client.connect(stayingAddress).get(10, TimeUnit.SECONDS), stop));
        }
        // Busy: every streamer has had data echoed.
        assertThat(Rel.await(Duration.ofSeconds(20), () -> doomed.stream().allMatch(s -> s.received.get() > 0)
                && survivors.stream().allMatch(s -> s.received.get() > 0))).isTrue();

        closing.close().get(10, TimeUnit.SECONDS);
        for (Streamer s : doomed) {
            String error = s.result.handle((ok, e) -> e == null ? "no error" : String.valueOf(e.getMessage()))
                    .get(20, TimeUnit.SECONDS);
            Figures.report("faults", "client of the closed listener sees: " + error);
            assertThat(error).isNotEqualTo("no error").isNotBlank().doesNotContain("null");
        }
        DialException refused = (DialException) assertThatThrownBy(
                () -> client.connect(closingAddress).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).actual().getCause();
        assertThat(refused.getMessage()).contains("connection refused");

        // The others were never disturbed: they stop now and every byte came back.
        stop.set(true);
        for (Streamer s : survivors) {
            s.result.get(30, TimeUnit.SECONDS);
            assertThat(s.received.get()).isEqualTo(s.sent.get()).isPositive();
        }
        assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 0)).isTrue();
        Connection good = client.connect(stayingAddress).get(10, TimeUnit.SECONDS);
        assertThat(Rel.roundTrip(good, new byte[] {9, 8, 7})).containsExactly(9, 8, 7);
        assertThat(errors.all).as("closing our own listener is no server error").isEmpty();
    }

    /** Writes 16 KiB chunks until told to stop (or failing), reading the echo on another thread. */
    private static final class Streamer {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final CompletableFuture<Void> result;

        Streamer(Connection c, AtomicBoolean stop) {
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                byte[] buf = new byte[65536];
                try {
                    for (int n; (n = c.input().read(buf)) != -1; ) {
                        received.addAndGet(n);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e.getMessage(), e);
                }
            }, THREADS);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] chunk = Rel.random(16 * 1024, 11);
                try {
                    while (!stop.get()) {
                        c.output().write(chunk);
                        sent.addAndGet(chunk.length);
                    }
                    c.output().close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e.getMessage(), e);
                }
            }, THREADS);
            result = CompletableFuture.allOf(writer, reader).whenComplete((ok, e) -> {
                if (e != null) {
                    c.abort();
                }
            });
            // Fail fast: the first side to fail decides the result.
            writer.exceptionally(e -> {
                c.abort();
                return null;
            });
            reader.exceptionally(e -> {
                c.abort();
                return null;
            });
        }

        private static final java.util.concurrent.ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "streamer");
            t.setDaemon(true);
            return t;
        });
    }
}
