package org.multiserver.reliability;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;

/**
 * The client ends of {@link LoadTest}'s idle connections, in a process of their own so the server's JVM holds only
 * server ends (its heap and file descriptors are then the server's alone). Driven over stdin/stdout:
 * <pre>
 *   args: ADDRESS COUNT
 *   out:  opened COUNT SECONDS       (every connection established)
 *   in:   echo                        out: echoed N   (a sample of 20 spread over all connections)
 *   in:   end of input                the connections are aborted and the process exits 0
 * </pre>
 * Any failure is one line {@code error ...} on stdout and exit code 1.
 */
public final class IdleClients {
    private IdleClients() {}

    public static void main(String[] args) throws Exception {
        String address = args[0];
        int count = Integer.parseInt(args[1]);
        MultiServer client = MultiServer.builder().listen("net~shs").handshakeTimeout(Duration.ofSeconds(60))
                .connectTimeout(Duration.ofSeconds(60)).build();
        List<Connection> held = new ArrayList<>(count);
        try {
            long start = System.nanoTime();
            int batch = 200; // well below the server's handshake limit: none is refused
            for (int i = 0; i < count; i += batch) {
                List<CompletableFuture<Connection>> dials = new ArrayList<>();
                for (int j = i; j < Math.min(count, i + batch); j++) {
                    dials.add(client.connect(address));
                }
                for (CompletableFuture<Connection> d : dials) {
                    held.add(d.get(60, TimeUnit.SECONDS));
                }
            }
            System.out.printf("opened %d %.1f%n", held.size(), (System.nanoTime() - start) / 1e9);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("echo")) {
                    int echoed = 0;
                    for (int i = 0; i < count; i += Math.max(1, count / 20)) {
                        byte[] data = {(byte) i, (byte) (i >> 8)};
                        if (!java.util.Arrays.equals(Rel.roundTrip(held.get(i), data), data)) {
                            throw new IllegalStateException("connection " + i + " echoed other bytes");
                        }
                        echoed++;
                    }
                    System.out.println("echoed " + echoed);
                    System.out.flush();
                }
            }
        } catch (Exception e) {
            System.out.println("error " + e);
            System.out.flush();
            System.exit(1);
        } finally {
            held.forEach(Connection::abort);
            client.close();
        }
    }
}
