package org.multiserver.examples.gzip;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * The point of a plugin jar: a MultiServer finds {@code gzip} on the class path through ServiceLoader, with no code
 * naming it, and serves {@code net:127.0.0.1:PORT~gzip}. An echo server on it answers our own client, and a plain
 * socket speaking the JDK's gzip streams, which shows the bytes on the wire are real gzip.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GzipMultiServerTest {
    private static final Pattern ADDRESS = Pattern.compile("net:127\\.0\\.0\\.1:(\\d+)~gzip");

    private MultiServer server;
    private MultiServer client;
    private String address;

    @BeforeEach
    void serveEcho() {
        server = MultiServer.builder().listen("net:127.0.0.1:0~gzip").build();
        MultiServer.Listening listening = server.listen(connection -> {
            try (InputStream in = connection.input(); OutputStream out = connection.output()) {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n); // a write per read: each is flushed through gzip at once
                }
            } catch (IOException e) {
                // the peer went away; nothing to report in an echo server
            }
        }).join();
        address = listening.stringify(Scope.DEVICE);
        client = MultiServer.builder().listen("net:127.0.0.1:0~gzip").build();
    }

    @AfterEach
    void close() {
        client.close();
        server.close();
    }

    @Test
    void aMultiServerPicksGzipFromTheClassPath() throws IOException {
        assertThat(address).matches(ADDRESS);
        assertThat(server.stackShapes()).containsExactly("net~gzip");

        try (Connection connection = client.connect(address).get(10, TimeUnit.SECONDS)) {
            assertThat(connection.remoteAddress().toString()).endsWith("~gzip");
            OutputStream out = connection.output();
            InputStream in = connection.input();
            out.write("ping".getBytes(StandardCharsets.UTF_8));
            // The echo comes back before we end our output: compression flushes per write.
            assertThat(new String(in.readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("ping");
            byte[] big = new byte[1 << 20];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31 / 7);
            }
            Thread writer = new Thread(() -> {
                try {
                    out.write(big);
                    out.close(); // EndOfOutput: the stream is finished, the server echoes to the end and ends too
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            assertThat(in.readAllBytes()).isEqualTo(big);
            writer.join(10_000);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPlainJdkGzipSocketTalksToIt() throws IOException {
        Matcher m = ADDRESS.matcher(address);
        assertThat(m.matches()).isTrue();
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(m.group(1)))) {
            socket.setSoTimeout(10_000);
            GZIPOutputStream out = new GZIPOutputStream(socket.getOutputStream(), true); // sync flush per flush()
            out.write("hello from java.util.zip".getBytes(StandardCharsets.UTF_8));
            out.flush();
            GZIPInputStream in = new GZIPInputStream(socket.getInputStream());
            byte[] back = in.readNBytes("hello from java.util.zip".length());
            assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("hello from java.util.zip");

            out.finish();              // the gzip trailer
            socket.shutdownOutput();   // then the end of our output, as EndOfOutput does
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            in.transferTo(rest);       // the server's member ends cleanly, trailer checked by the JDK
            assertThat(rest.size()).isZero();
        }
    }
}
