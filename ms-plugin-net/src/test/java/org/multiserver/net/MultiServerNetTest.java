package org.multiserver.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.address.MultiAddress;
import org.multiserver.core.DialException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

@Timeout(30)
class MultiServerNetTest {
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

    /** Echoes every connection until the peer ends its side, then ends ours. */
    static void echo(Connection connection) {
        try (InputStream in = connection.input(); OutputStream out = connection.output()) {
            in.transferTo(out);
        } catch (java.io.IOException e) {
            connection.close();
        }
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
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        connection.output().write(data);
        connection.output().close();
        return received.get(20, TimeUnit.SECONDS);
    }

    @Test
    void anOptionGivenAsTextMustBeDeclaredByAPlugin() {
        assertThatThrownBy(() -> MultiServer.builder().listen("net:127.0.0.1:0").option("net.hots", "127.0.0.1")
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown option net.hots: no plugin found declares it; the options are ")
                .hasMessageContaining("net.external, net.host, net.port");
        try (MultiServer declared = MultiServer.builder().listen("net").option("net.host", "127.0.0.1").build()) {
            assertThat(declared).isNotNull();
        }
    }

    @Test
    void twoNetStacksServeOneAddressAndCarryDataBothWays() throws Exception {
        server = MultiServer.builder().listen("net:127.0.0.1:0").listen("net:::1:0").build();
        MultiServer.Listening listening = server.listen(MultiServerNetTest::echo).get(10, TimeUnit.SECONDS);
        MultiAddress address = listening.address(Scope.DEVICE).orElseThrow();

        assertThat(address.alternatives()).hasSize(2);
        assertThat(address.alternatives().get(0).toString()).matches("net:127\\.0\\.0\\.1:\\d+");
        assertThat(address.alternatives().get(1).toString()).matches("net:::1:\\d+");

        client = MultiServer.builder().listen("net").build();
        for (var alternative : address.alternatives()) {
            Connection c = client.connect(alternative.toString()).get(10, TimeUnit.SECONDS);
            byte[] data = random(1024 * 1024 + 17, 1);
            assertSameBytes(roundTrip(c, data), data);
            assertThat(c.remoteAddress().toString()).isEqualTo(alternative.toString());
            assertThat(c.isClient()).isTrue();
        }
    }

    @Test
    void halfCloseLetsThePeerAnswerAfterOurEnd() throws Exception {
        server = MultiServer.builder().listen("net:127.0.0.1:0").build();
        var listening = server.listen(connection -> {
            try {
                byte[] all = connection.input().readAllBytes(); // until the client's end of output
                connection.output().write(("got " + all.length).getBytes(StandardCharsets.US_ASCII));
                connection.output().close();
            } catch (java.io.IOException e) {
                connection.close();
            }
        }).join();
        client = MultiServer.builder().listen("net").build();
        Connection c = client.connect(listening.stringify(Scope.DEVICE)).get(10, TimeUnit.SECONDS);
        byte[] answer = roundTrip(c, new byte[12345]);
        assertThat(new String(answer, StandardCharsets.US_ASCII)).isEqualTo("got 12345");
    }

    @Test
    void unknownAlternativesAreSkippedAndFailingOnesFallThrough() throws Exception {
        server = MultiServer.builder().listen("net:127.0.0.1:0").build();
        var listening = server.listen(MultiServerNetTest::echo).join();
        int refusedPort = freePort();
        String good = listening.stringify(Scope.DEVICE);
        client = MultiServer.builder().listen("net").build();

        String address = "onion:xyz.onion:80;net:127.0.0.1:" + refusedPort + ";" + good;
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        assertThat(c.remoteAddress().toString()).isEqualTo(good);
        assertThat(roundTrip(c, "hi".getBytes(StandardCharsets.US_ASCII))).containsExactly('h', 'i');
    }

    @Test
    void theFinalErrorListsEveryAttemptAndItsReason() throws Exception {
        int refusedPort = freePort();
        client = MultiServer.builder().listen("net").build();
        DialException error = connectError(client.connect("ws://example.com:80;net:127.0.0.1:" + refusedPort
                + ";net:127.0.0.1:99999"));
        assertThat(error.attempts()).hasSize(3);
        assertThat(error.attempts().get(0).skipped()).isTrue();
        assertThat(error.attempts().get(0).reason()).contains("no stack for ws");
        assertThat(error.attempts().get(1).reason()).contains("connection refused")
                .contains("127.0.0.1:" + refusedPort);
        assertThat(error.attempts().get(2).reason()).contains("column 55").contains("'99999' is not a port");
        assertThat(error.getMessage()).contains("could not connect to").contains("skipped");
    }

    @Test
    void stacksMatchByExactSectionNames() throws Exception {
        server = MultiServer.builder()
                .plugin(MagicTransform.provider("magic", false))
                .plugin(MagicTransform.provider("gzap", false))
                .listen("net:127.0.0.1:0~magic").build();
        var listening = server.listen(MultiServerNetTest::echo).join();
        String magic = listening.stringify(Scope.DEVICE);
        assertThat(magic).matches("net:127\\.0\\.0\\.1:\\d+~magic");
        String plain = magic.replace("~magic", "");

        client = MultiServer.builder()
                .plugin(MagicTransform.provider("magic", false))
                .plugin(MagicTransform.provider("gzap", false))
                .listen("net~magic").build();
        // net:h:p never runs the net~magic stack, and net~magic~gzap never runs it either.
        assertThat(connectError(client.connect(plain)).attempts().get(0).reason()).contains("no stack for net ");
        assertThat(connectError(client.connect(magic + "~gzap")).attempts().get(0).reason())
                .contains("no stack for net~magic~gzap");
        Connection c = client.connect(magic).get(10, TimeUnit.SECONDS);
        assertThat(c.remoteAddress().toString()).isEqualTo(magic);
        assertSameBytes(roundTrip(c, random(70_000, 2)), random(70_000, 2));
    }

    @Test
    void cancellingDuringTheHandshakeClosesTheConnection() throws Exception {
        CountDownLatch greetingSeen = new CountDownLatch(1);
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // A peer that reads the greeting and never answers: the handshake stays in flight.
            CompletableFuture<Integer> afterGreeting = CompletableFuture.supplyAsync(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().readNBytes(4);
                    greetingSeen.countDown();
                    return s.getInputStream().read(); // -1 once the client closed
                } catch (java.io.IOException e) {
                    return -2;
                }
            });
            client = MultiServer.builder().plugin(MagicTransform.provider("magic", false)).listen("net~magic")
                    .build();
            CompletableFuture<Connection> connecting = client.connect("net:127.0.0.1:" + silent.getLocalPort()
                    + "~magic");
            assertThat(greetingSeen.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(connecting.cancel(true)).isTrue();
            assertThat(afterGreeting.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
        }
    }

    @Test
    void aServerKeepsServingAfterAClientMisbehaves() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        CountDownLatch errorSeen = new CountDownLatch(1);
        server = MultiServer.builder().plugin(MagicTransform.provider("magic", false))
                .onServerError((peer, stack, error) -> {
                    errors.add(peer + " " + stack + " " + error.getMessage());
                    errorSeen.countDown();
                })
                .listen("net:127.0.0.1:0~magic").build();
        var listening = server.listen(MultiServerNetTest::echo).join();
        String address = listening.stringify(Scope.DEVICE);
        int port = Integer.parseInt(address.replaceAll(".*:(\\d+)~magic", "$1"));

        try (Socket rude = new Socket("127.0.0.1", port)) {
            rude.setSoTimeout(10_000);
            rude.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(rude.getInputStream().read()).isEqualTo(-1); // dropped, no bytes back
        }
        assertThat(errorSeen.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(errors.get(0)).startsWith("net:127.0.0.1:").contains("net~magic").contains("bad greeting");

        client = MultiServer.builder().plugin(MagicTransform.provider("magic", false)).listen("net~magic").build();
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        assertSameBytes(roundTrip(c, random(5000, 3)), random(5000, 3));
    }

    @Test
    void bothIpv6FormsReachAServerOnLoopback() throws Exception {
        server = MultiServer.builder().listen("net:[::1]:0").build();
        var listening = server.listen(MultiServerNetTest::echo).join();
        String printed = listening.stringify(Scope.DEVICE);
        assertThat(printed).matches("net:::1:\\d+"); // the JS form, which JS peers can dial
        String port = printed.substring(printed.lastIndexOf(':') + 1);
        client = MultiServer.builder().listen("net").build();
        for (String address : List.of(printed, "net:[::1]:" + port)) {
            Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
            assertThat(roundTrip(c, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
            assertThat(c.remoteAddress().toString()).isEqualTo(printed);
        }
    }

    @Test
    void aFailingBindClosesTheOtherStacksAndNamesTheStack() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            server = MultiServer.builder().listen("net:127.0.0.1:0")
                    .listen("net:127.0.0.1:" + taken.getLocalPort()).build();
            assertThatThrownBy(() -> server.listen(MultiServerNetTest::echo).get(10, TimeUnit.SECONDS))
                    .cause().hasMessageContaining("could not listen on net")
                    .hasMessageContaining(Integer.toString(taken.getLocalPort()))
                    .hasMessageContaining("in use");
        }
    }

    @Test
    void aHostThatDoesNotResolveIsAListenErrorSayingSo() {
        // .invalid never resolves (RFC 2606): no name server on the internet is asked about a real name.
        server = MultiServer.builder().listen("net:nowhere.invalid:0").build();
        assertThatThrownBy(() -> server.listen(MultiServerNetTest::echo).get(10, TimeUnit.SECONDS))
                .cause().hasMessage("could not listen on net: cannot bind nowhere.invalid:0: cannot resolve host"
                        + " 'nowhere.invalid'");
    }

    @Test
    void aBadHostInAListenSpecFailsTheBuildAtItsColumn() {
        assertThatThrownBy(() -> MultiServer.builder().listen("net:bad$host:0").build())
                .isInstanceOfSatisfying(org.multiserver.address.AddressSyntaxException.class, e -> {
                    assertThat(e.column()).isEqualTo(5);
                    assertThat(e.reason()).contains("'bad$host' is not a host name");
                });
    }

    @Test
    void closingTheServerClosesItsConnectionsAndLaterConnectsFail() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        server = MultiServer.builder().listen("net:127.0.0.1:0").build();
        var listening = server.listen(c -> connected.countDown()).join();
        String address = listening.stringify(Scope.DEVICE);
        client = MultiServer.builder().listen("net").build();
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
        listening.close().get(10, TimeUnit.SECONDS);
        assertThat(c.input().read()).isEqualTo(-1);
        c.output().close(); // both directions ended: the connection closes itself
        c.closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(connectError(client.connect(address)).attempts().get(0).reason()).contains("refused");
    }

    @Test
    void limitsRefuseHandshakesAndConnectionsBeyondThemAndSayWhy() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        CountDownLatch refused = new CountDownLatch(2);
        server = MultiServer.builder().plugin(MagicTransform.provider("magic", false))
                .maxHandshakesInFlight(1).maxConnections(2)
                .onServerError((peer, stack, error) -> {
                    errors.add(error.getMessage());
                    refused.countDown();
                })
                .listen("net:127.0.0.1:0~magic").build();
        var listening = server.listen(MultiServerNetTest::echo).join();
        String address = listening.stringify(Scope.DEVICE);
        int port = Integer.parseInt(address.replaceAll(".*:(\\d+)~magic", "$1"));
        client = MultiServer.builder().plugin(MagicTransform.provider("magic", false)).listen("net~magic").build();
        try (Socket silent = new Socket("127.0.0.1", port)) { // holds the one handshake slot
            silent.setSoTimeout(10_000); // a socket read ignores @Timeout's interrupt
            // Accepts run on several event loops: the second must come after the server counted the first.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.openConnections() < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(server.openConnections()).isEqualTo(1);
            try (Socket second = new Socket("127.0.0.1", port)) {
                second.setSoTimeout(10_000);
                assertThat(second.getInputStream().read()).isEqualTo(-1); // refused: closed at once
            }
            silent.getOutputStream().write("HELO".getBytes(StandardCharsets.US_ASCII));
            assertThat(silent.getInputStream().readNBytes(4)).isEqualTo("OLEH".getBytes(StandardCharsets.US_ASCII));
            // The reply can arrive before the server freed the handshake slot (it frees it when the transform's future
            // completes, then hands the connection to the handler): an echoed byte proves both happened.
            silent.getOutputStream().write('x');
            assertThat(silent.getInputStream().read()).isEqualTo('x');
            Connection c = client.connect(address).get(10, TimeUnit.SECONDS); // the second open connection
            try (Socket third = new Socket("127.0.0.1", port)) {
                third.setSoTimeout(10_000);
                assertThat(third.getInputStream().read()).isEqualTo(-1);
            }
            assertSameBytes(roundTrip(c, random(1000, 4)), random(1000, 4));
        }
        assertThat(refused.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(errors).containsExactly("refused: 1 handshakes are in flight (the limit)",
                "refused: 2 connections are open (the limit)");
    }

    @Test
    void aSpecNamingAnUnknownTransformIsASyntaxErrorAtItsColumn() {
        assertThatThrownBy(() -> MultiServer.builder().listen("net:127.0.0.1:0~zzz").build())
                .isInstanceOfSatisfying(org.multiserver.address.AddressSyntaxException.class, e -> {
                    assertThat(e.column()).isEqualTo(17);
                    assertThat(e.reason()).contains("no transform plugin for 'zzz'");
                });
    }

    /** Compares without printing megabytes: the lengths, then the first differing index. */
    static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("length").isEqualTo(expected.length);
        assertThat(java.util.Arrays.mismatch(actual, expected)).as("first differing index").isEqualTo(-1);
    }

    static DialException connectError(CompletableFuture<Connection> f) throws Exception {
        try {
            Connection c = f.get(10, TimeUnit.SECONDS);
            c.close();
            throw new AssertionError("connected to " + c.remoteAddress() + ", expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(DialException.class);
            return (DialException) e.getCause();
        }
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
