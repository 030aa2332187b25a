package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelOption;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.RawShs;
import org.multiserver.spi.Scope;

/**
 * A mixed load for {@code reliability.soakSeconds} (60 s by default, as in CI): echoes of random sizes, clients that
 * abort or reset mid-stream, raw peers sending garbage, peers vanishing mid-handshake. Zero unexpected errors (a failed
 * echo, a server error that is not a failed handshake, an uncaught exception), every connection freed, heap after
 * GC back within 32 MiB of the start, file descriptors back within a small slack.
 */
class SoakTest {
    private static final int WORKERS = 3;

    @Test
    @Timeout(value = 1, unit = TimeUnit.HOURS) // the run itself is bounded by reliability.soakSeconds
    void mixedLoad_staysSteady() throws Exception {
        int seconds = Rel.intProperty("reliability.soakSeconds", 60);
        List<String> unexpected = new CopyOnWriteArrayList<>();
        // Counted, not kept: a long run has hundreds of thousands, and keeping them would be the growing heap.
        AtomicLong failedHandshakes = new AtomicLong();
        MultiServer.ServerErrorHandler errors = (peer, stack, error) -> {
            if (String.valueOf(error.getMessage()).startsWith("shs: ")) {
                failedHandshakes.incrementAndGet();
            } else if (unexpected.size() < 100) {
                unexpected.add("server: " + stack + " from " + peer + ": " + error);
            }
        };
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        int fdsStart;
        long heapStart;
        long heapEnd;
        try (Rel.Uncaught uncaught = new Rel.Uncaught();
             MultiServer server = MultiServer.builder().listen("net:127.0.0.1:0~shs").onServerError(errors)
                     .handshakeTimeout(Duration.ofSeconds(2)).build();
             MultiServer client = MultiServer.builder().listen("net~shs").build()) {
            String address = server.listen(Rel::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
            byte[] serverKey = RawShs.serverKey(address);
            for (int i = 0; i < 50; i++) { // warm up before the baseline
                Rel.roundTrip(client.connect(address).get(10, TimeUnit.SECONDS), Rel.random(i * 1000, i));
            }
            assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 0)).isTrue();
            heapStart = Rel.usedHeapAfterGc();
            fdsStart = Rel.openFds();

            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                long seed = w;
                Thread t = new Thread(() -> {
                    Random random = new Random(seed);
                    while (System.nanoTime() < end) {
                        int dice = random.nextInt(100);
                        String kind = dice < 50 ? "echo" : dice < 65 ? "abort" : dice < 75 ? "reset mid-stream"
                                : dice < 90 ? "garbage peer" : "vanish mid-handshake";
                        try {
                            act(kind, random, client, address, serverKey);
                            counts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                        } catch (Throwable e) {
                            unexpected.add(kind + ": " + e);
                        }
                    }
                }, "soak-" + w);
                t.start();
                workers.add(t);
            }
            // Heap over time, without forcing a GC: what the last collection left, ten times during the run.
            List<String> heapSamples = new ArrayList<>();
            for (int sample = 1; sample <= 10; sample++) {
                long at = end - TimeUnit.SECONDS.toNanos(seconds) * (10 - sample) / 10;
                Rel.sleep(Math.max(0, (at - System.nanoTime()) / 1_000_000));
                heapSamples.add(String.format("%.0f", Rel.heapAfterLastGc() / 1048576.0));
            }
            for (Thread t : workers) {
                t.join(TimeUnit.SECONDS.toMillis(seconds + 60));
                assertThat(t.isAlive()).as("a soak worker hung").isFalse();
            }
            assertThat(Rel.await(Duration.ofSeconds(20), () -> server.openConnections() == 0))
                    .as("every connection freed; open %s", server.openConnections()).isTrue();
            heapEnd = Rel.usedHeapAfterGc();
            unexpected.addAll(uncaught.seen);
            int fdsEnd = Rel.openFds();
            Figures.report("soak", String.format("%d s, %d workers: %s; server errors (failed handshakes) %d;"
                            + " unexpected %d; heap %.1f -> %.1f MiB after GC (after the last GC at each tenth of"
                            + " the run: %s MiB); fds %d -> %d",
                    seconds, WORKERS, new java.util.TreeMap<>(counts), failedHandshakes.get(), unexpected.size(),
                    heapStart / 1048576.0, heapEnd / 1048576.0, String.join(", ", heapSamples), fdsStart, fdsEnd));
            assertThat(unexpected).as("unexpected errors").isEmpty();
            assertThat(counts.get("echo")).as("echoes").isNotNull();
            assertThat(heapEnd - heapStart).as("heap growth after GC").isLessThan(32L << 20);
            assertThat(Rel.await(Duration.ofSeconds(10), () -> Rel.openFds() <= fdsStart + 4))
                    .as("file descriptors back (start %d, now %d)", fdsStart, Rel.openFds()).isTrue();
        }
    }

    private static void act(String kind, Random random, MultiServer client, String address, byte[] serverKey)
            throws Exception {
        switch (kind) {
            case "echo" -> {
                byte[] data = Rel.random(random.nextInt(64 * 1024), random.nextLong());
                Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
                byte[] back = Rel.roundTrip(c, data);
                if (!Arrays.equals(back, data)) {
                    throw new AssertionError("echo of " + data.length + " bytes came back as " + back.length);
                }
            }
            case "abort", "reset mid-stream" -> {
                Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
                if (kind.equals("reset mid-stream")) {
                    c.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                }
                c.output().write(Rel.random(random.nextInt(256 * 1024), random.nextLong()));
                c.abort();
            }
            case "garbage peer" -> {
                try (Socket raw = Rel.raw(address, Duration.ofSeconds(10))) {
                    raw.getOutputStream().write(Rel.random(random.nextInt(300), random.nextLong()));
                    raw.shutdownOutput();
                    byte[] got = Rel.readUntilClosed(raw);
                    if (got.length != 0) {
                        throw new AssertionError("the server answered garbage with " + got.length + " bytes");
                    }
                } catch (java.net.SocketException e) {
                    // the server closed on the first bad bytes while we were still writing: fine
                }
            }
            case "vanish mid-handshake" -> {
                Socket raw = Rel.raw(address, Duration.ofSeconds(10));
                OutputStream out = raw.getOutputStream();
                out.write(Arrays.copyOf(new RawShs(serverKey).message1(), random.nextInt(64)));
                out.flush();
                if (random.nextBoolean()) {
                    Rel.reset(raw);
                } else {
                    raw.close();
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }
}
