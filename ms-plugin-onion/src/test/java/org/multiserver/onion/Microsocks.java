package org.multiserver.onion;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Debian's {@code microsocks}, a real SOCKS5 server, on a free loopback port, standing in for tor's SOCKS port. It
 * prints nothing when it is ready, so {@link #start()} tries to connect every 10 ms, for at most 10 s.
 */
final class Microsocks implements AutoCloseable {
    final int port;
    private final Process process;

    private Microsocks(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    static Microsocks start() throws Exception {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // the free port may be taken between our check and its bind
            int port = freePort();
            Process process = new ProcessBuilder("microsocks", "-i", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Microsocks proxy = new Microsocks(port, process);
            try {
                proxy.awaitListening();
                return proxy;
            } catch (IOException e) {
                proxy.close();
                last = e;
            }
        }
        throw last;
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                new Socket(InetAddress.getLoopbackAddress(), port).close();
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IOException("microsocks exited with " + process.exitValue() + " before listening on "
                            + port);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("microsocks did not listen on " + port + " within 10 s");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
