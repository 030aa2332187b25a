package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.ws.Streams.assertSameBytes;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.Scope;
import org.multiserver.testing.NodeProcess;

/**
 * ws~shs against the real JS multiserver 3.8.2 (its ws plugin, secret-handshake 1.1.21), several MiB each way, both
 * directions of dialling. The JS peers are the scripts in interop/js.
 */
@Timeout(120)
class JsInteropWsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int MIB = 1024 * 1024;

    private MultiServer server;
    private MultiServer client;
    private final List<Throwable> serverErrors = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aJavaClientTalksToTheJsServer() throws Exception {
        try (NodeProcess js = NodeProcess.start("js", "echo-server.js", "--transport", "ws")) {
            String address = js.await("listening", WAIT).path("address").asText();
            assertThat(address).matches("ws://127\\.0\\.0\\.1:\\d+~shs:.{44}");
            ShsKeyPair keys = ShsKeyPair.generate();
            client = MultiServer.builder().option(ShsTransformProvider.KEYS, keys).listen("ws~shs").build();
            Connection c = client.connect(address).get(30, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).isEqualTo(address);

            byte[] data = Streams.random(3 * MIB + 5, 3);
            CompletableFuture<byte[]> back = readAsync(c, data.length);
            c.output().write(data);
            assertSameBytes(back.get(60, TimeUnit.SECONDS), data);
            c.shutdownOutput(); // shs goodbye, then the WebSocket close
            c.closeFuture().get(30, TimeUnit.SECONDS);

            JsonNode connection = js.await("connection", WAIT);
            assertThat(connection.path("remote").asText()).isEqualTo(keys.publicKeyBase64());
            // The JS server names a peer without an Origin header by its socket (we send none: we are no browser),
            // and without the port: pull-websocket never sets the remotePort that multiserver's ws plugin reads.
            assertThat(connection.path("address").asText()).isEqualTo("ws:127.0.0.1~shs:" + keys.publicKeyBase64());
            JsonNode end = js.await("end", WAIT);
            assertThat(end.path("bytes").asLong()).isEqualTo(data.length);
        }
    }

    @Test
    void theJsClientTalksToAJavaServer() throws Exception {
        String address = javaEchoServer();
        byte[] seed = Streams.random(32, 4);
        String clientKey = ShsKeyPair.fromSeed(seed).publicKeyBase64();
        try (NodeProcess js = NodeProcess.start("js", "ws-client.js", address, "--bytes",
                Integer.toString(3 * MIB + 7), "--seed", Base64.getEncoder().encodeToString(seed))) {
            JsonNode connected = js.await("connected", WAIT);
            assertThat(address).endsWith("~shs:" + connected.path("remote").asText());
            JsonNode done = js.await("done", WAIT);
            assertThat(done.path("received").asLong()).isEqualTo(3 * MIB + 7);
            assertThat(js.awaitExit(WAIT)).as(js.output()).isZero();
        }
        Connection peer = accepted.get(10, TimeUnit.SECONDS);
        assertThat(peer.peerIdentity()).contains(clientKey);
        assertThat(peer.remoteAddress().toString()).matches("ws:127\\.0\\.0\\.1:\\d+~shs:"
                + java.util.regex.Pattern.quote(clientKey));
        assertThat(serverErrors).isEmpty();
    }

    /**
     * client.js ends its side right after its last write, as a JS peer does over net; over ws that sends the shs
     * goodbye and a close frame at once. The Java server answers the close frame only after its own side ended, so
     * the whole echo still arrives (a JS ws server would have answered at once and cut the echo short).
     */
    @Test
    void aJsClientThatEndsRightAfterWritingStillGetsTheWholeEcho() throws Exception {
        String address = javaEchoServer();
        try (NodeProcess js = NodeProcess.start("js", "client.js", address, "--transport", "ws", "--bytes",
                Integer.toString(2 * MIB + 3))) {
            JsonNode done = js.await("done", WAIT);
            assertThat(done.path("received").asLong()).isEqualTo(2 * MIB + 3);
            assertThat(js.awaitExit(WAIT)).as(js.output()).isZero();
        }
        assertThat(serverErrors).isEmpty();
    }

    private final CompletableFuture<Connection> accepted = new CompletableFuture<>();

    private String javaEchoServer() throws Exception {
        server = MultiServer.builder()
                .onServerError((peer, stack, error) -> serverErrors.add(error))
                .listen("ws://127.0.0.1:0~shs").build();
        var listening = server.listen(connection -> {
            accepted.complete(connection);
            Streams.echo(connection);
        }).get(10, TimeUnit.SECONDS);
        String address = listening.stringify(Scope.DEVICE);
        assertThat(address).matches("ws://127\\.0\\.0\\.1:\\d+~shs:.{44}");
        return address;
    }

    private static CompletableFuture<byte[]> readAsync(Connection c, int length) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.input().readNBytes(length);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
