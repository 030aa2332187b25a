package org.multiserver.onion;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.DialException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * The onion client through a real SOCKS5 server (Debian's microsocks) standing in for tor's SOCKS port, to a Java
 * {@code net~shs} server, dialled by host name as the JS plugin allows ({@code onion:localhost:<port>~shs:<key>}).
 */
@Timeout(60)
class OnionThroughMicrosocksTest {
    private Microsocks proxy;
    private final List<MultiServer> servers = new ArrayList<>();
    private String netAddress;
    private int netPort;
    private String key;

    @BeforeEach
    void start() throws Exception {
        proxy = Microsocks.start();
        MultiServer server = track(MultiServer.builder().listen("net:127.0.0.1:0~shs").build());
        netAddress = server.listen(OnionThroughMicrosocksTest::echo).get(10, TimeUnit.SECONDS)
                .stringify(Scope.DEVICE);
        netPort = Integer.parseInt(netAddress.replaceAll("net:127\\.0\\.0\\.1:(\\d+)~shs:.*", "$1"));
        key = netAddress.substring(netAddress.indexOf("~shs:") + "~shs:".length());
    }

    @AfterEach
    void stop() throws Exception {
        servers.forEach(MultiServer::close);
        if (proxy != null) {
            proxy.close();
        }
    }

    private MultiServer track(MultiServer ms) {
        servers.add(ms);
        return ms;
    }

    private MultiServer client(List<String> proxies) {
        return track(MultiServer.builder().option(OnionOptions.SOCKS, proxies)
                .option(OnionOptions.CONNECT_TIMEOUT, Duration.ofSeconds(5)).listen("onion~shs").build());
    }

    @Test
    void reachesANetShsServerThroughTheProxyByHostName() throws Exception {
        String address = "onion:localhost:" + netPort + "~shs:" + key;
        Connection c = client(List.of("127.0.0.1:" + proxy.port)).connect(address).get(10, TimeUnit.SECONDS);
        assertThat(c.remoteAddress().toString()).isEqualTo(address);
        assertThat(c.peerIdentity()).contains(key);
        byte[] data = random(300_000, 1);
        assertThat(echoOf(c, data)).isEqualTo(data);
    }

    @Test
    void fallsBackToTheNextProxyAsFromTheDaemonToTorBrowser() throws Exception {
        int nobody = Microsocks.freePort();
        String address = "onion:localhost:" + netPort + "~shs:" + key;
        Connection c = client(List.of("127.0.0.1:" + nobody, "127.0.0.1:" + proxy.port)).connect(address)
                .get(10, TimeUnit.SECONDS);
        assertThat(echoOf(c, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
    }

    @Test
    void aProxyWhereNothingListensIsNamed() throws Exception {
        int nobody = Microsocks.freePort();
        String reason = connectError(client(List.of("127.0.0.1:" + nobody)), "onion:localhost:" + netPort
                + "~shs:" + key);
        assertThat(reason).isEqualTo("onion:localhost:" + netPort + ": SOCKS proxy 127.0.0.1:" + nobody
                + ": connection refused (no proxy listens there: is tor running?)");
    }

    @Test
    void aRefusedTargetIsTheProxysReplyInWords() throws Exception {
        int closed = Microsocks.freePort();
        String reason = connectError(client(List.of("127.0.0.1:" + proxy.port)), "onion:localhost:" + closed
                + "~shs:" + key);
        assertThat(reason).isEqualTo("onion:localhost:" + closed + ": SOCKS proxy 127.0.0.1:" + proxy.port
                + ": answered 0x05 (connection refused)");
    }

    @Test
    void aProxyThatWentDownIsRefused() throws Exception {
        MultiServer client = client(List.of("127.0.0.1:" + proxy.port));
        String address = "onion:localhost:" + netPort + "~shs:" + key;
        client.connect(address).get(10, TimeUnit.SECONDS).close();
        proxy.close();
        proxy = null;
        assertThat(connectError(client, address)).endsWith("connection refused (no proxy listens there: is tor"
                + " running?)");
    }

    @Test
    void everyProxyAndItsReasonAreListed() throws Exception {
        int nobody = Microsocks.freePort();
        int closed = Microsocks.freePort();
        String reason = connectError(client(List.of("127.0.0.1:" + proxy.port, "127.0.0.1:" + nobody)),
                "onion:localhost:" + closed + "~shs:" + key);
        assertThat(reason).isEqualTo("onion:localhost:" + closed + ": SOCKS proxy 127.0.0.1:" + proxy.port
                + ": answered 0x05 (connection refused); SOCKS proxy 127.0.0.1:" + nobody
                + ": connection refused (no proxy listens there: is tor running?)");
    }

    @Test
    void anOnionNameGoesToTheProxyUnresolved() throws Exception {
        // We never look the name up: had we tried, this would fail here with "cannot resolve". microsocks gets
        // the name, cannot resolve it either, and says so with a general failure.
        String onion = OnionAddressTest.TORPROJECT;
        String reason = connectError(client(List.of("127.0.0.1:" + proxy.port)), "onion:" + onion + ":8008~shs:"
                + key);
        assertThat(reason).isEqualTo("onion:" + onion + ":8008: SOCKS proxy 127.0.0.1:" + proxy.port
                + ": answered 0x01 (general SOCKS server failure)");
    }

    @Test
    void endingOurSideClosesTheConnectionAsTorWould() throws Exception {
        CompletableFuture<Integer> serverRead = new CompletableFuture<>();
        MultiServer counting = track(MultiServer.builder().listen("net:127.0.0.1:0").build());
        String plain = counting.listen(connection -> {
            try {
                serverRead.complete(connection.input().readAllBytes().length);
            } catch (IOException e) {
                serverRead.completeExceptionally(e);
            }
        }).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        MultiServer client = track(MultiServer.builder().option(OnionOptions.SOCKS, List.of("127.0.0.1:"
                + proxy.port)).listen("onion").build());
        Connection c = client.connect(plain.replace("net:127.0.0.1:", "onion:127.0.0.1:"))
                .get(10, TimeUnit.SECONDS);
        c.output().write(new byte[70_000]);
        c.shutdownOutput();
        assertThat(serverRead.get(10, TimeUnit.SECONDS)).isEqualTo(70_000);
        c.closeFuture().get(10, TimeUnit.SECONDS); // no half-close over onion: the whole connection ended
    }

    @Test
    void aServerThatSpeaksFirstIsHeardFromItsFirstByteEveryTime() throws Exception {
        // It writes the moment it accepts, and closes: its bytes may come in the packet of the SOCKS answer, or
        // right after it; either way they must reach the connection's reader (see SocksRepliesTest for the first).
        byte[] greeting = "hello, I speak first\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int rounds = 100;
        try (ServerSocket speaker = new ServerSocket(0, rounds, InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> {
                for (int i = 0; i < rounds; i++) {
                    try (Socket s = speaker.accept()) {
                        s.getOutputStream().write(greeting);
                    } catch (IOException e) {
                        return; // closed by the test
                    }
                }
            }, "speaks-first");
            serving.setDaemon(true);
            serving.start();
            MultiServer client = track(MultiServer.builder().option(OnionOptions.SOCKS, List.of("127.0.0.1:"
                    + proxy.port)).listen("onion").build());
            for (int i = 0; i < rounds; i++) {
                Connection c = client.connect("onion:127.0.0.1:" + speaker.getLocalPort()).get(10, TimeUnit.SECONDS);
                assertThat(c.input().readAllBytes()).as("connection %d", i).isEqualTo(greeting);
                c.close();
            }
        }
    }

    @Test
    void aSilentProxyTimesOutAndCancellingCloses() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            MultiServer client = track(MultiServer.builder()
                    .option(OnionOptions.SOCKS, List.of("127.0.0.1:" + silent.getLocalPort()))
                    .option(OnionOptions.CONNECT_TIMEOUT, Duration.ofMillis(700)).listen("onion").build());
            CompletableFuture<Connection> timingOut = client.connect("onion:localhost:1");
            try (Socket first = silent.accept()) {
                assertThat(reasonOf(timingOut)).isEqualTo("onion:localhost:1: SOCKS proxy 127.0.0.1:"
                        + silent.getLocalPort() + ": no answer to the SOCKS request within 700 ms");
                assertThat(first.getInputStream().readNBytes(3)).containsExactly(5, 1, 0); // SOCKS5, no auth
                assertThat(first.getInputStream().read()).isEqualTo(-1); // closed by the timeout
            }

            CompletableFuture<Connection> cancelled = client.connect("onion:localhost:1");
            try (Socket second = silent.accept()) {
                second.getInputStream().readNBytes(3);
                assertThat(cancelled.cancel(true)).isTrue();
                assertThat(second.getInputStream().read()).isEqualTo(-1);
            }
        }
    }

    // ---- helpers ----

    /**
     * Echoes until the peer ends, then ends our side; the connection closes itself once both sides ended. Only the
     * output is closed: closing input() closes the connection, and after an end of output over shs that close does
     * not wait for the echo still queued (shs fails the empty flush write that Connection.close() waits on, and the
     * close listener then closes at once). Over unix sockets, whose buffers are small, that lost the echo's tail.
     */
    static void echo(Connection connection) {
        try {
            OutputStream out = connection.output();
            connection.input().transferTo(out);
            out.close();
        } catch (IOException e) {
            connection.close();
        }
    }

    /** Writes, reads the same number of bytes back, then closes: no half-close over onion. */
    static byte[] echoOf(Connection c, byte[] data) throws Exception {
        CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
            try {
                return c.input().readNBytes(data.length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        c.output().write(data);
        c.output().flush();
        byte[] got = back.get(20, TimeUnit.SECONDS);
        c.close();
        return got;
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static String connectError(MultiServer client, String address) throws Exception {
        return reasonOf(client.connect(address));
    }

    static String reasonOf(CompletableFuture<Connection> connecting) throws Exception {
        try {
            Connection c = connecting.get(20, TimeUnit.SECONDS);
            c.close();
            throw new AssertionError("connected to " + c.remoteAddress() + ", expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(DialException.class);
            DialException error = (DialException) e.getCause();
            assertThat(error.attempts()).hasSize(1);
            return error.attempts().get(0).reason();
        }
    }
}
