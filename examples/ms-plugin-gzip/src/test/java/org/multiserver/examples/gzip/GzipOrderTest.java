package org.multiserver.examples.gzip;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * Layers apply from the transport outwards: {@code ~shs~gzip} runs shs on the TCP connection and gzip inside it, so
 * the application's bytes are compressed, then encrypted; {@code ~gzip~shs} compresses the ciphertext, which does not
 * shrink. Bytes counted on the wire by a relay between a client and an echo-less server, for 1 MiB of zeros.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GzipOrderTest {
    private static final int MIB = 1 << 20;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"~shs~gzip", "~gzip~shs"})
    void onlyShsThenGzipCompresses(String stack) throws Exception {
        long wire = bytesOnTheWire(stack, new byte[MIB]);
        if (stack.equals("~shs~gzip")) {
            assertThat(wire).as("%s: compressed, then encrypted", stack).isLessThan(16 * 1024);
        } else {
            assertThat(wire).as("%s: encrypted, then the ciphertext 'compressed'", stack).isGreaterThan(MIB);
        }
    }

    /** The README shows the order that compresses, and names the other one for what it does. */
    @Test
    void theReadmeDocumentsTheOrderThatCompresses() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme).contains("~shs~gzip").contains("~shs:KEY~gzip");
        Matcher wrong = Pattern.compile("~gzip~shs[^.]*\\.").matcher(readme);
        while (wrong.find()) {
            assertThat(wrong.group()).as("every mention of ~gzip~shs says it compresses the ciphertext")
                    .contains("ciphertext");
        }
    }

    /** Sends {@code data} through {@code net:127.0.0.1:PORT<stack>} and counts what crossed TCP towards the server. */
    private static long bytesOnTheWire(String stack, byte[] data) throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        try (MultiServer server = MultiServer.builder().listen("net:127.0.0.1:0" + stack).build();
             MultiServer client = MultiServer.client();
             ServerSocket relay = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = server.listen(connection -> {
                try (InputStream in = connection.input()) {
                    long n = 0;
                    byte[] buffer = new byte[64 * 1024];
                    for (int r; (r = in.read(buffer)) >= 0; ) {
                        n += r;
                    }
                    received.complete(n);
                } catch (IOException e) {
                    received.completeExceptionally(e);
                }
                connection.close();
            }).join().stringify(Scope.DEVICE);
            Matcher port = Pattern.compile("^net:127\\.0\\.0\\.1:(\\d+)~").matcher(address);
            assertThat(port.find()).as(address).isTrue();
            AtomicLong towardsServer = new AtomicLong();
            Thread relaying = relayOne(relay, Integer.parseInt(port.group(1)), towardsServer);

            String viaRelay = address.replaceFirst(":\\d+~", ":" + relay.getLocalPort() + "~");
            Connection c = client.connect(viaRelay).get(30, TimeUnit.SECONDS);
            OutputStream out = c.output();
            out.write(data);
            out.close();
            assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(data.length);
            c.close();
            relaying.join(10_000);
            return towardsServer.get();
        }
    }

    /** Accepts one connection and relays it to {@code port}, counting the bytes towards the server. */
    private static Thread relayOne(ServerSocket relay, int port, AtomicLong towardsServer) {
        Thread t = new Thread(() -> {
            try (Socket from = relay.accept(); Socket to = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread back = copy(to.getInputStream(), from, null);
                copy(from.getInputStream(), to, towardsServer).join();
                back.join(10_000);
            } catch (IOException | InterruptedException e) {
                // the test's own assertions say what went wrong
            }
        }, "gzip-order-relay");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Thread copy(InputStream in, Socket to, AtomicLong counted) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    to.getOutputStream().write(buffer, 0, n);
                    if (counted != null) {
                        counted.addAndGet(n);
                    }
                }
                to.shutdownOutput(); // half-close passes through, as the stacks use it
            } catch (IOException e) {
                // one side went away
            }
        }, "gzip-order-copy");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
