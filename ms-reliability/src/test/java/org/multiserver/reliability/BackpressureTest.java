package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * A writer facing a reader that does not read: the writer must block (its channel stops being writable) after a
 * bounded amount, rather than the other side queueing everything in memory. The writer tries to send
 * {@code reliability.backpressureMiB} (256 MiB; 1024 for a long run); it must stall far below that, at most 16 MiB
 * beyond the two sockets' buffers. Then the reader drains and must have every byte, in order of count.
 */
@Timeout(180)
class BackpressureTest {
    /**
     * What the two JVM ends may hold beyond the kernel's queues. Measured: 0.3 to 13 MiB (StreamHandler's 256 KiB,
     * decoder cumulations, and mostly the writer's outbound buffer, which overshoots Netty's 64 KiB high-water mark
     * because Connection's output only learns of unwritability from the event loop; see docs/RELIABILITY.md). A
     * missing backpressure would let the writer reach the whole 256 MiB.
     */
    private static final long SLACK = 16L << 20;
    private MultiServer server;
    private MultiServer client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}, the {2} does not read")
    @CsvSource({"net:127.0.0.1:0~shs, net~shs, server", "net:127.0.0.1:0~shs, net~shs, client",
            "ws://127.0.0.1:0~shs, ws~shs, server", "ws://127.0.0.1:0~shs, ws~shs, client"})
    void aWriterFacingAReaderThatDoesNotRead_blocksAfterABoundedAmount(String listen, String dial, String idle)
            throws Exception {
        long cap = (long) Rel.intProperty("reliability.backpressureMiB", 256) << 20;
        boolean serverIdles = idle.equals("server");
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        CompletableFuture<Connection> accepted = new CompletableFuture<>();
        CompletableFuture<Long> writerDone = new CompletableFuture<>();
        CompletableFuture<Long> readerDone = new CompletableFuture<>();

        server = MultiServer.builder().listen(listen).build();
        String address = server.listen(c -> {
            accepted.complete(c);
            if (serverIdles) {
                awaitThenDrain(c, release, readerDone);
            } else {
                writeUntilStopped(c, cap, stop, written, writerDone);
            }
        }).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        client = MultiServer.builder().listen(dial).build();
        long heapBefore = Rel.usedHeapAfterGc();
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        Connection s = accepted.get(10, TimeUnit.SECONDS);
        Thread other = new Thread(() -> {
            if (serverIdles) {
                writeUntilStopped(c, cap, stop, written, writerDone);
            } else {
                awaitThenDrain(c, release, readerDone);
            }
        }, "backpressure-peer");
        other.setDaemon(true);
        other.start();
        Connection writer = serverIdles ? c : s;
        Connection reader = serverIdles ? s : c;

        // Stalled: no progress for 1.5 s while the writer's channel is unwritable (checked every 100 ms), bounded by
        // 60 s overall.
        long last = -1;
        long stableSince = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(1500)) {
            assertThat(writerDone).as("the writer sent all %d MiB: nothing held it back", cap >> 20).isNotDone();
            assertThat(System.nanoTime()).as("the writer never stalled").isLessThan(deadline);
            long now = written.get();
            if (now != last || writer.channel().isWritable()) { // a pause while writable is no stall (GC, load)
                last = now;
                stableSince = System.nanoTime();
            }
            Thread.sleep(100);
        }
        long stalledAt = written.get();
        long heapStalled = Rel.usedHeapAfterGc();
        int readerRcv = option(reader, ChannelOption.SO_RCVBUF);
        int writerSnd = option(writer, ChannelOption.SO_SNDBUF);
        String kernel = kernelQueues(writer);
        // What the kernel holds: Recv-Q + Send-Q of both sockets from ss (getsockopt's SO_RCVBUF/SO_SNDBUF
        // undercount what autotuned loopback queues carry); without ss, the largest the kernel allows.
        long kernelBytes = kernelBytes(kernel);
        if (kernelBytes < 0) {
            kernelBytes = Math.max(readerRcv + writerSnd, maxKernelBuffers());
        }
        long bound = SLACK + kernelBytes;
        long pooledDirect = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        long nettyDirect = io.netty.util.internal.PlatformDependent.usedDirectMemory();
        long readerQueued = reader.input().available();
        String held = "reader " + decoderBuffers(reader) + ", writer " + decoderBuffers(writer) + ", writer's outbound"
                + " buffer " + outboundBytes(writer) + " B";
        Figures.report("backpressure", String.format("%s, the %s does not read: the writer stalled after %.1f MiB"
                        + " (bound %.1f MiB = %d MiB + %.1f MiB in the kernel's queues; in the JVMs: %.1f MiB; SO_RCVBUF %d KiB,"
                        + " SO_SNDBUF %d KiB; it tried"
                        + " %d MiB); writer not writable: %s; heap %d -> %d MiB after GC; Netty pooled direct memory in use"
                + " %d KiB, Netty direct total %d KiB, reader's queue %d KiB; held in pipelines: %s; kernel queues (ss): %s",
                listen, idle, stalledAt / 1048576.0, bound / 1048576.0, SLACK >> 20, kernelBytes / 1048576.0,
                (stalledAt - kernelBytes) / 1048576.0, readerRcv >> 10, writerSnd >> 10, cap >> 20,
                !writer.channel().isWritable(), heapBefore >> 20, heapStalled >> 20, pooledDirect >> 10, nettyDirect >> 10, readerQueued >> 10,
                held, kernel));
        assertThat(stalledAt).isPositive().isLessThan(bound);
        assertThat(writer.channel().isWritable()).as("the writer's channel is unwritable while it waits; the writer:"
                + " %s", writerStack()).isFalse();
        assertThat(heapStalled - heapBefore).as("heap held while stalled").isLessThan(SLACK + bound);

        // Let go: the reader drains, the writer ends, every byte arrives.
        stop.set(true);
        release.countDown();
        long total = writerDone.get(60, TimeUnit.SECONDS);
        assertThat(readerDone.get(60, TimeUnit.SECONDS)).isEqualTo(total);
    }

    private static final java.util.concurrent.atomic.AtomicReference<Thread> WRITER =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** Where the writer waits, for the failure message. */
    private static String writerStack() {
        Thread t = WRITER.get();
        if (t == null) {
            return "(no writer)";
        }
        StringBuilder s = new StringBuilder(t.getName()).append(" ").append(t.getState());
        for (StackTraceElement e : t.getStackTrace()) {
            s.append("\n\tat ").append(e);
        }
        return s.toString();
    }

    /**
     * One write of many megabytes to a peer that does not read must not be queued whole: Connection.Output.write
     * hands it to Netty in pieces, each once the channel is writable again.
     */
    @org.junit.jupiter.api.Test
    void oneLargeWrite_toAPeerThatDoesNotRead_isNotQueuedWhole() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server = MultiServer.builder().listen("net:127.0.0.1:0~shs").build();
        String address = server.listen(c -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.abort();
        }).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        client = MultiServer.builder().listen("net~shs").build();
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                c.output().write(new byte[64 << 20]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            // Once the channel turned unwritable the writer must be parked, not queueing the rest.
            assertThat(Rel.await(java.time.Duration.ofSeconds(20), () -> !c.channel().isWritable()))
                    .as("the writer's channel turned unwritable").isTrue();
            assertThat(write).as("the 64 MiB write finished although the peer reads nothing").isNotDone();
            long queued = outboundBytes(c);
            assertThat(queued).as("bytes queued in the writer's outbound buffer").isLessThan(SLACK);
        } finally {
            release.countDown();
            write.handle((ok, e) -> null).get(30, TimeUnit.SECONDS);
        }
    }

    /** Recv-Q and Send-Q of the connection's two sockets, from {@code ss} where it exists (diagnostics only). */
    private static String kernelQueues(Connection c) {
        try {
            int port = ((java.net.InetSocketAddress) c.channel().localAddress()).getPort();
            Process p = new ProcessBuilder("ss", "-tnH", "( sport = :" + port + " or dport = :" + port + " )")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            return out.trim().replaceAll("\\s+", " ");
        } catch (Exception e) {
            return "n/a (" + e.getMessage() + ")";
        }
    }

    /** The sum of Recv-Q and Send-Q over ss's lines, or -1. */
    static long kernelBytes(String ss) {
        if (!ss.startsWith("ESTAB")) {
            return -1;
        }
        String[] f = ss.split(" ");
        long sum = 0;
        for (int i = 0; i + 2 < f.length; i++) {
            if (f[i].equals("ESTAB")) {
                sum += Long.parseLong(f[i + 1]) + Long.parseLong(f[i + 2]);
            }
        }
        return sum;
    }

    /** tcp_rmem's and tcp_wmem's maxima, or 8 MiB where /proc does not say. */
    static long maxKernelBuffers() {
        try {
            long sum = 0;
            for (String f : new String[] {"/proc/sys/net/ipv4/tcp_rmem", "/proc/sys/net/ipv4/tcp_wmem"}) {
                String[] v = java.nio.file.Files.readString(java.nio.file.Path.of(f)).trim().split("\\s+");
                sum += Long.parseLong(v[2]);
            }
            return sum;
        } catch (Exception e) {
            return 8L << 20;
        }
    }

    /** Bytes each decoder of the pipeline holds in its cumulation (diagnostics, by reflection). */
    private static String decoderBuffers(Connection c) {
        StringBuilder s = new StringBuilder("{");
        CompletableFuture<Void> done = new CompletableFuture<>();
        c.channel().eventLoop().execute(() -> {
            for (var entry : c.channel().pipeline()) {
                if (entry.getValue() instanceof io.netty.handler.codec.ByteToMessageDecoder d) {
                    try {
                        var f = io.netty.handler.codec.ByteToMessageDecoder.class.getDeclaredField("cumulation");
                        f.setAccessible(true);
                        io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) f.get(d);
                        s.append(entry.getKey()).append("=").append(b == null ? 0 : b.readableBytes()).append(" ");
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        s.append(entry.getKey()).append("=? ");
                    }
                }
            }
            done.complete(null);
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Diagnostics only: say so, and show what the event loops are doing.
            StringBuilder dump = new StringBuilder("event loop did not answer within 5 s; netty threads:");
            Thread.getAllStackTraces().forEach((t, stack) -> {
                if (stack.length > 0 && java.util.Arrays.stream(stack)
                        .anyMatch(f -> f.getClassName().startsWith("io.netty.channel"))) {
                    dump.append("\n").append(t.getName()).append(" ").append(t.getState());
                    for (int i = 0; i < Math.min(25, stack.length); i++) {
                        dump.append("\n\tat ").append(stack[i]);
                    }
                }
            });
            Figures.report("backpressure", dump.toString());
            return "{event loop busy}";
        }
        return s.append("}").toString();
    }

    private static long outboundBytes(Connection c) {
        io.netty.channel.ChannelOutboundBuffer b = c.channel().unsafe().outboundBuffer();
        return b == null ? -1 : b.totalPendingWriteBytes();
    }

    private static int option(Connection c, ChannelOption<Integer> option) {
        Integer v = c.channel().config().getOption(option);
        return v == null ? 0 : v;
    }

    private static void writeUntilStopped(Connection c, long cap, AtomicBoolean stop, AtomicLong written,
                                          CompletableFuture<Long> done) {
        byte[] chunk = Rel.random(64 * 1024, 1);
        WRITER.set(Thread.currentThread());
        try {
            while (!stop.get() && written.get() < cap) {
                c.output().write(chunk);
                written.addAndGet(chunk.length);
            }
            c.output().close();
            done.complete(written.get());
        } catch (IOException | RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    private static void awaitThenDrain(Connection c, CountDownLatch release, CompletableFuture<Long> done) {
        try {
            if (!release.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            long n = 0;
            byte[] buf = new byte[65536];
            InputStream in = c.input();
            for (int r; (r = in.read(buf)) != -1; ) {
                n += r;
            }
            done.complete(n);
        } catch (Exception e) {
            done.completeExceptionally(e);
        }
    }
}
