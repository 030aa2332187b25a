package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.ws.Streams.assertSameBytes;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.DialException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.spi.Scope;

/** ws between two Java MultiServers, and what a ws client says when it cannot connect. */
@Timeout(60)
class WsMultiServerTest {
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

    private String echoServer(String spec) throws Exception {
        return echoServer(MultiServer.builder().listen(spec));
    }

    private MultiServer client() {
        client = MultiServer.builder().listen("ws").build();
        return client;
    }

    @Test
    void twoShsStacksShareOneIdentity_andAGivenIdentityIsTheOnePrinted() throws Exception {
        String address = echoServer(MultiServer.builder().listen("net:127.0.0.1:0~shs").listen("ws://127.0.0.1:0~shs"));
        String[] keys = address.replaceAll("[^;]*~shs:([^;]*)", "$1").split(";");
        assertThat(keys).hasSize(2);
        assertThat(keys[0]).as("one server, one key").isEqualTo(keys[1]);
        server.close();

        ShsKeyPair chosen = ShsKeyPair.generate();
        address = echoServer(MultiServer.builder().identity(chosen.identity()).listen("net:127.0.0.1:0~shs")
                .listen("ws://127.0.0.1:0~shs"));
        assertThat(address).contains("~shs:" + chosen.publicKeyBase64() + ";")
                .endsWith("~shs:" + chosen.publicKeyBase64());
        // Both stacks authenticate as that identity: a client that expects it gets through each.
        client = MultiServer.builder().listen("net~shs").listen("ws~shs").build();
        for (String alternative : address.split(";")) {
            Connection c = client.connect(alternative).get(10, TimeUnit.SECONDS);
            assertThat(c.peerIdentity()).contains(chosen.publicKeyBase64());
            assertThat(Streams.echoed(c, new byte[] {1, 2})).containsExactly(1, 2);
        }
    }

    private String echoServer(MultiServer.Builder builder) throws Exception {
        server = builder.build();
        return server.listen(Streams::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
    }

    @Test
    void carriesMegabytesBothWays() throws Exception {
        String address = echoServer("ws://127.0.0.1:0");
        assertThat(address).matches("ws://127\\.0\\.0\\.1:\\d+");
        Connection c = client().connect(address).get(10, TimeUnit.SECONDS);
        assertThat(c.remoteAddress().toString()).isEqualTo(address);
        byte[] data = Streams.random(3 * 1024 * 1024 + 7, 1);
        assertSameBytes(Streams.echoed(c, data), data);
        c.closeFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void ipv6AndAPathAndTheJsFormAllReachTheServer() throws Exception {
        String address = echoServer("ws://[::1]:0/ssb");
        assertThat(address).matches("ws://\\[::1]:\\d+/ssb");
        String port = address.replaceAll(".*]:(\\d+)/ssb", "$1");
        client();
        for (String dial : new String[] {address, "ws://[0:0:0:0:0:0:0:1]:" + port + "/ssb"}) {
            Connection c = client.connect(dial).get(10, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).isEqualTo(address);
            assertThat(Streams.echoed(c, new byte[] {4, 5, 6})).containsExactly(4, 5, 6);
        }
        // The JS form names no path, and the server answers only on /ssb.
        assertThat(connectError(client.connect("ws:::1:" + port))).contains("refused with HTTP 404");
    }

    @Test
    void aWildcardServerPrintsEachScopeAndExternalNamesForPublic() throws Exception {
        server = MultiServer.builder()
                .option(WsOptions.EXTERNAL, java.util.List.of("example.com", "example.org"))
                .listen("ws://0.0.0.0:0/ssb").build();
        var listening = server.listen(Streams::echo).get(10, TimeUnit.SECONDS);
        String device = listening.stringify(Scope.DEVICE);
        assertThat(device).matches("ws://127\\.0\\.0\\.1:\\d+/ssb");
        String port = device.replaceAll(".*:(\\d+)/ssb", "$1");
        assertThat(listening.stringify(Scope.PUBLIC))
                .isEqualTo("ws://example.com:" + port + "/ssb;ws://example.org:" + port + "/ssb");
        Connection c = client().connect(device).get(10, TimeUnit.SECONDS);
        assertThat(Streams.echoed(c, new byte[] {1, 2})).containsExactly(1, 2);
    }

    @Test
    void hostAndPortOptionsServeASpecWithoutThem() throws Exception {
        int port = freePort();
        server = MultiServer.builder().option(WsOptions.HOST, "127.0.0.1").option(WsOptions.PORT, port)
                .listen("ws").build();
        var listening = server.listen(Streams::echo).get(10, TimeUnit.SECONDS);
        assertThat(listening.stringify(Scope.DEVICE)).isEqualTo("ws://127.0.0.1:" + port);
        assertThat(listening.stringify(Scope.PUBLIC)).isEmpty(); // a loopback server serves the device only
    }

    @Test
    void endingOurOutputClosesTheConnectionBothWays() throws Exception {
        CompletableFuture<Connection> accepted = new CompletableFuture<>();
        CompletableFuture<Integer> serverRead = new CompletableFuture<>();
        server = MultiServer.builder().listen("ws://127.0.0.1:0").build();
        String address = server.listen(connection -> {
            accepted.complete(connection);
            try {
                byte[] all = connection.input().readAllBytes();
                serverRead.complete(all.length);
            } catch (java.io.IOException e) {
                serverRead.completeExceptionally(e);
            }
            connection.close(); // the answer to the client's close frame goes out now
        }).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        Connection c = client().connect(address).get(10, TimeUnit.SECONDS);
        c.output().write(new byte[5000]);
        c.shutdownOutput().get(10, TimeUnit.SECONDS);
        assertThat(serverRead.get(10, TimeUnit.SECONDS)).isEqualTo(5000); // a clean end, after every byte
        accepted.get().closeFuture().get(10, TimeUnit.SECONDS);
        c.closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(c.input().read()).isEqualTo(-1);
    }

    @Test
    void closingTheServerEndsItsConnectionsPromptly() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        server = MultiServer.builder().listen("ws://127.0.0.1:0").build();
        var listening = server.listen(c -> connected.countDown()).get(10, TimeUnit.SECONDS);
        String address = listening.stringify(Scope.DEVICE);
        Connection c = client().connect(address).get(10, TimeUnit.SECONDS);
        assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        listening.close().get(10, TimeUnit.SECONDS);
        assertThat(c.input().read()).isEqualTo(-1); // "going away" (1001) is a clean end
        c.closeFuture().get(10, TimeUnit.SECONDS);
        // Prompt: the server does not wait out the close timeout for an answer.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(connectError(client.connect(address))).contains(address).contains("connection refused");
    }

    @Test
    void aRefusedConnectNamesTheAddress() throws Exception {
        int port = freePort();
        assertThat(connectError(client().connect("ws://127.0.0.1:" + port)))
                .contains("ws://127.0.0.1:" + port + ": connection refused");
    }

    @Test
    void aServerThatNeverAnswersTimesOutAndCancellingClosesTheSocket() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            client = MultiServer.builder().handshakeTimeout(Duration.ofMillis(700)).listen("ws").build();
            String address = "ws://127.0.0.1:" + silent.getLocalPort();
            CompletableFuture<String> timedOut = CompletableFuture.supplyAsync(() -> connectErrorUnchecked(
                    client.connect(address)));
            try (Socket first = silent.accept()) {
                assertThat(timedOut.get(10, TimeUnit.SECONDS)).contains(address)
                        .contains("WebSocket handshake timed out after 700 ms");
                assertThat(first.getInputStream().readAllBytes()).asString(StandardCharsets.ISO_8859_1)
                        .startsWith("GET / HTTP/1.1"); // then the client closed
            }

            CompletableFuture<Connection> connecting = client.connect(address);
            try (Socket second = silent.accept()) {
                InputStream in = second.getInputStream();
                byte[] head = in.readNBytes(14);
                assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("GET / HTTP/1.1");
                assertThat(connecting.cancel(true)).isTrue();
                in.readAllBytes(); // returns once the client closed the socket
            }
        }
    }

    @Test
    void aRefusedUpgradeNamesTheHttpStatus() throws Exception {
        String address = echoServer("ws://127.0.0.1:0/ssb");
        String wrongPath = address.replace("/ssb", "/other");
        assertThat(connectError(client().connect(wrongPath))).contains(wrongPath)
                .contains("WebSocket handshake refused with HTTP 404 Not Found")
                .contains("no WebSocket endpoint at /other");
    }

    @Test
    void aPeerThatIsNotHttpFailsTheHandshake() throws Exception {
        try (ServerSocket rude = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String address = "ws://127.0.0.1:" + rude.getLocalPort();
            CompletableFuture<String> error = CompletableFuture.supplyAsync(() -> connectErrorUnchecked(
                    client().connect(address)));
            try (Socket s = rude.accept()) {
                s.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(error.get(10, TimeUnit.SECONDS)).contains(address)
                        .contains("the WebSocket handshake got no HTTP answer");
            }
        }
    }

    static String connectError(CompletableFuture<Connection> f) throws Exception {
        try {
            Connection c = f.get(20, TimeUnit.SECONDS);
            c.close();
            throw new AssertionError("connected to " + c.remoteAddress() + ", expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(DialException.class);
            return e.getCause().getMessage();
        }
    }

    private static String connectErrorUnchecked(CompletableFuture<Connection> f) {
        try {
            return connectError(f);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
