package org.multiserver.cli;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.multiserver.address.MultiAddress;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code multiserver bench}: end-to-end figures against an echo server, one JSON line each. */
@Command(name = "bench", description = "Measure handshakes or throughput against an echo server; prints JSON.",
        subcommands = {BenchCommand.Handshakes.class, BenchCommand.Throughput.class})
final class BenchCommand {

    @Command(name = "handshakes", description = "N times: connect, handshake, echo one byte, close; C in flight.")
    static final class Handshakes implements Callable<Integer> {
        @Parameters(paramLabel = "ADDRESS", description = "An echo server's address, such as serve printed.")
        String address;

        @Option(names = "--count", paramLabel = "N", defaultValue = "1000",
                description = "Timed round trips, at least 1. Default: ${DEFAULT-VALUE}.")
        int count;

        @Option(names = "--concurrency", paramLabel = "C", defaultValue = "16",
                description = "Round trips in flight at once, at least 1. Default: ${DEFAULT-VALUE}.")
        int concurrency;

        @Option(names = "--warmup", paramLabel = "W", defaultValue = "200",
                description = "Round trips before timing, so the JIT compiles outside the measured window"
                        + " (0 or more). Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Mixin
        CommonOptions common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            MultiAddress target = MultiAddress.parse(address);
            atLeast("--count", count, 1);
            atLeast("--concurrency", concurrency, 1);
            atLeast("--warmup", warmup, 0);
            try (MultiServer client = ConnectCommand.clientFor(target, common)) {
                for (int i = 0; i < Math.max(1, warmup); i++) {
                    oneRoundTrip(client, target).join();
                }
                Semaphore inFlight = new Semaphore(concurrency);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                AtomicInteger done = new AtomicInteger();
                CompletableFuture<Void> all = new CompletableFuture<>();
                long start = System.nanoTime();
                for (int i = 0; i < count && failure.get() == null; i++) {
                    inFlight.acquire();
                    oneRoundTrip(client, target).whenComplete((ok, error) -> {
                        inFlight.release();
                        if (error != null) {
                            failure.compareAndSet(null, error);
                            all.completeExceptionally(error);
                        } else if (done.incrementAndGet() == count) {
                            all.complete(null);
                        }
                    });
                }
                all.join();
                double seconds = (System.nanoTime() - start) / 1e9;
                spec.commandLine().getOut().println(String.format(Locale.ROOT,
                        "{\"impl\":\"java\",\"kind\":\"handshakes\",\"n\":%d,\"conc\":%d,\"seconds\":%.3f,"
                                + "\"perSecond\":%.1f}", count, concurrency, seconds, count / seconds));
                spec.commandLine().getOut().flush();
            }
            return Main.OK;
        }

        private static CompletableFuture<Void> oneRoundTrip(MultiServer client, MultiAddress target) {
            return client.connect(target).thenCompose(connection -> {
                CompletableFuture<Void> echoed = new CompletableFuture<>();
                connection.attach(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                        echoed.complete(null);
                        ctx.close();
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        echoed.completeExceptionally(new java.io.IOException("closed before the echo"));
                    }
                }).thenRun(() -> connection.channel().writeAndFlush(connection.channel().alloc().buffer(1)
                        .writeByte(42)));
                return echoed;
            });
        }
    }

    @Command(name = "throughput", description = "Echo M MiB in 64 KiB writes through one connection.")
    static final class Throughput implements Callable<Integer> {
        static final int CHUNK = 64 * 1024;

        @Parameters(paramLabel = "ADDRESS", description = "An echo server's address, such as serve printed.")
        String address;

        @Option(names = "--mib", paramLabel = "M", defaultValue = "256",
                description = "MiB to echo and time, at least 1. Default: ${DEFAULT-VALUE}.")
        int mib;

        @Option(names = "--warmup-mib", paramLabel = "W", defaultValue = "32",
                description = "MiB echoed through a first connection before timing, for the JIT (0 or more)."
                        + " Default: ${DEFAULT-VALUE}.")
        int warmupMib;

        @Mixin
        CommonOptions common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            MultiAddress target = MultiAddress.parse(address);
            atLeast("--mib", mib, 1);
            atLeast("--warmup-mib", warmupMib, 0);
            try (MultiServer client = ConnectCommand.clientFor(target, common)) {
                if (warmupMib > 0) {
                    Connection warm = client.connect(target).join();
                    CompletableFuture<Void> warmed = new CompletableFuture<>();
                    warm.attach(new EchoCounter((long) warmupMib * 1024 * 1024, warmed)).join();
                    warmed.join();
                    warm.abort();
                }
                Connection connection = client.connect(target).join();
                long total = (long) mib * 1024 * 1024;
                CompletableFuture<Void> allEchoed = new CompletableFuture<>();
                long start = System.nanoTime();
                connection.attach(new EchoCounter(total, allEchoed)).join();
                allEchoed.join();
                double seconds = (System.nanoTime() - start) / 1e9;
                connection.abort();
                spec.commandLine().getOut().println(String.format(Locale.ROOT,
                        "{\"impl\":\"java\",\"kind\":\"throughput\",\"mib\":%d,\"seconds\":%.3f,"
                                + "\"mibPerSecond\":%.1f}", mib, seconds, mib / seconds));
                spec.commandLine().getOut().flush();
            }
            return Main.OK;
        }
    }

    /**
     * A count that cannot be used is a usage error before anything is dialled: a count of 0 would otherwise wait for
     * a last round trip that never comes, and a concurrency of 0 for a slot that never frees.
     */
    static void atLeast(String option, int value, int least) {
        if (value < least) {
            throw new IllegalArgumentException(option + " must be " + (least == 0 ? "0 or more" : "at least " + least)
                    + ", got " + value);
        }
    }

    /** Writes {@code total} bytes in 64 KiB chunks while the channel is writable, and counts the echo. */
    static final class EchoCounter extends ChannelInboundHandlerAdapter {
        private final long total;
        private final CompletableFuture<Void> done;
        private long written;
        private long received;
        private ByteBuf chunk;

        EchoCounter(long total, CompletableFuture<Void> done) {
            this.total = total;
            this.done = done;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            chunk = ctx.alloc().directBuffer(Throughput.CHUNK);
            chunk.writeBytes(new byte[Throughput.CHUNK]);
            writeMore(ctx);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            chunk.release();
        }

        private void writeMore(ChannelHandlerContext ctx) {
            while (written < total && ctx.channel().isWritable()) {
                int n = (int) Math.min(Throughput.CHUNK, total - written);
                ctx.write(chunk.retainedSlice(0, n), ctx.voidPromise());
                written += n;
            }
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeMore(ctx);
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
            if (received >= total) {
                done.complete(null);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new java.io.IOException("closed after " + received + " of " + total
                    + " echoed bytes"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
