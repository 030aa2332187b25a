package org.multiserver.reliability;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.EndOfOutput;

/** Shared helpers: echo handlers, round trips, raw sockets, error recorders, heap and file-descriptor counts. */
final class Rel {
    private Rel() {
    }

    static int intProperty(String name, int fallback) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }

    /** Echoes until the peer ends its side, then ends ours (as MultiServerNetTest's echo). */
    static void echo(Connection connection) {
        try (InputStream in = connection.input(); OutputStream out = connection.output()) {
            in.transferTo(out);
        } catch (IOException e) {
            connection.close();
        }
    }

    /**
     * Echoes on the event loop, with no thread of its own: what a server holding many idle connections would use
     * (the blocking {@link #echo} parks a thread and an 8 KiB copy buffer per connection). No backpressure: for the
     * small test messages only.
     */
    static void attachEcho(Connection connection) {
        connection.attach(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.writeAndFlush(msg, ctx.voidPromise());
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    ctx.writeAndFlush(EndOfOutput.INSTANCE, ctx.voidPromise());
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** Writes {@code data}, ends our side, and reads everything back until the peer ends. */
    static byte[] roundTrip(Connection connection, byte[] data) throws Exception {
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
            try {
                return connection.input().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        connection.output().write(data);
        connection.output().close();
        return received.get(30, TimeUnit.SECONDS);
    }

    /** A server error as {@code onServerError} reported it. */
    record ServerError(String peer, String stack, Throwable error) {
        String message() {
            return String.valueOf(error.getMessage());
        }

        @Override
        public String toString() {
            return stack + " from " + peer + ": " + error;
        }
    }

    /** Records every server error. */
    static final class ServerErrors implements MultiServer.ServerErrorHandler {
        final List<ServerError> all = new CopyOnWriteArrayList<>();

        @Override
        public void onError(String peer, String stack, Throwable error) {
            all.add(new ServerError(peer, stack, error));
        }

        long count(String messagePrefix) {
            return all.stream().filter(e -> e.message().startsWith(messagePrefix)).count();
        }
    }

    /** Records uncaught exceptions of every thread while installed. */
    static final class Uncaught implements AutoCloseable {
        final List<String> seen = new CopyOnWriteArrayList<>();
        private final Thread.UncaughtExceptionHandler previous;

        Uncaught() {
            previous = Thread.getDefaultUncaughtExceptionHandler();
            Thread.setDefaultUncaughtExceptionHandler((t, e) -> seen.add(t.getName() + ": " + e));
        }

        @Override
        public void close() {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    /** Open file descriptors of this JVM (Linux), or -1 where /proc is missing. */
    static int openFds() {
        Path fd = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fd)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fd)) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The soft limit on open files from /proc/self/limits, or -1. */
    static long fdLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
                    return "unlimited".equals(parts[0]) ? Long.MAX_VALUE : Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Used heap after a few GCs. */
    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            sleep(50);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** This process's resident memory (heap, native allocations, code) from /proc/self/status, or -1. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Heap the last garbage collection left in use (summed over the heap pools), without forcing one. */
    static long heapAfterLastGc() {
        long used = 0;
        for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
                used += pool.getCollectionUsage().getUsed();
            }
        }
        return used;
    }

    /** Waits until {@code condition} holds, checking every 10 ms; false after {@code timeout}. */
    static boolean await(Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            sleep(10);
        }
        return true;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** 127.0.0.1 and the port of a {@code net:127.0.0.1:<port>~...} address. */
    static InetSocketAddress netEndpoint(String address) {
        String first = address.split(";")[0];
        String[] parts = first.split("~")[0].split(":");
        return new InetSocketAddress(parts[1], Integer.parseInt(parts[2]));
    }

    /** A raw TCP socket to the net stack of {@code address}, with a read timeout so no read can hang a test. */
    static Socket raw(String address, Duration readTimeout) throws IOException {
        Socket s = new Socket();
        s.connect(netEndpoint(address), 5_000);
        s.setSoTimeout((int) readTimeout.toMillis());
        return s;
    }

    /** Ends the socket with a TCP reset (linger 0) instead of a FIN. */
    static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    /** Reads until the peer closes; returns the bytes read. A reset counts as closed. Bounded by SO_TIMEOUT. */
    static byte[] readUntilClosed(Socket s) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            InputStream in = s.getInputStream();
            for (int n; (n = in.read(buf)) != -1; ) {
                got.write(buf, 0, n);
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open past the read timeout; got "
                    + got.size() + " bytes", e);
        } catch (java.net.SocketException e) {
            // connection reset: closed all the same
        }
        return got.toByteArray();
    }

    /** Writes one byte to an echoing peer and reads it back, leaving the connection open. */
    static void ping(Connection connection) throws IOException {
        connection.output().write(42);
        int back = connection.input().read();
        if (back != 42) {
            throw new AssertionError("echo answered " + back + " instead of 42");
        }
    }
}
