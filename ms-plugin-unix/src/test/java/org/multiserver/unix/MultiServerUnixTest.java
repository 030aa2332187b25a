package org.multiserver.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.core.DialException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/** unix through MultiServer, with shs on top: real sockets, real files, real permissions. */
@Timeout(60)
class MultiServerUnixTest {
    @TempDir
    Path dir;

    private final List<MultiServer> servers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        servers.forEach(MultiServer::close);
    }

    private MultiServer track(MultiServer ms) {
        servers.add(ms);
        return ms;
    }

    private MultiServer.Listening serve(String spec) throws Exception {
        return track(MultiServer.builder().listen(spec).build()).listen(MultiServerUnixTest::echo)
                .get(10, TimeUnit.SECONDS);
    }

    private MultiServer client(String shape) {
        return track(MultiServer.builder().listen(shape).build());
    }

    @Test
    void echoesWithShsOnTopAndHalfClose() throws Exception {
        Path socket = dir.resolve("echo.sock");
        MultiServer.Listening server = serve("unix:" + socket + "~shs");
        String address = server.stringify(Scope.DEVICE);
        assertThat(address).startsWith("unix:" + socket + "~shs:");

        Connection c = client("unix~shs").connect(address).get(10, TimeUnit.SECONDS);
        byte[] data = random(1024 * 1024 + 3, 7);
        // Writes everything, ends our side, and reads the echo that follows our end: half-close at work.
        assertSameBytes(roundTrip(c, data), data);
        assertThat(c.remoteAddress().toString()).isEqualTo(address);
        assertThat(c.peerIdentity()).isPresent();
    }

    @Test
    void echoesLargerThanTheSocketBuffersLoseNoTail() throws Exception {
        // A unix socket buffers ~200 KB: most of each echo waits in Netty's queue when the ends cross. Twenty round
        // trips made a lost tail (a close that did not wait for queued writes) show up every time.
        MultiServer.Listening server = serve("unix:" + dir.resolve("tail.sock") + "~shs");
        MultiServer client = client("unix~shs");
        for (int i = 0; i < 20; i++) {
            Connection c = client.connect(server.stringify(Scope.DEVICE)).get(10, TimeUnit.SECONDS);
            byte[] data = random(250_000 + i * 4099, i);
            assertSameBytes(roundTrip(c, data), data);
        }
    }

    @Test
    void theServerAnswersAfterTheClientsEnd() throws Exception {
        MultiServer ms = track(MultiServer.builder().listen("unix:" + dir.resolve("s")).build());
        CompletableFuture<String> seenRemote = new CompletableFuture<>();
        var server = ms.listen(connection -> {
            seenRemote.complete(connection.remoteAddress().toString());
            try {
                byte[] all = connection.input().readAllBytes();
                connection.output().write(("got " + all.length).getBytes(StandardCharsets.US_ASCII));
                connection.output().close();
            } catch (IOException e) {
                connection.close();
            }
        }).get(10, TimeUnit.SECONDS);
        Connection c = client("unix").connect(server.stringify(Scope.DEVICE)).get(10, TimeUnit.SECONDS);
        byte[] answer = roundTrip(c, new byte[54321]);
        assertThat(new String(answer, StandardCharsets.US_ASCII)).isEqualTo("got 54321");
        // A unix client has no name: the server names the socket it came in by, as the JS plugin does.
        assertThat(seenRemote.get(10, TimeUnit.SECONDS)).isEqualTo("unix:" + dir.resolve("s"));
    }

    @Test
    void theSocketFileIsOwnerOnlyAndNothingElseIsLeftBeside() throws Exception {
        Path socket = dir.resolve("private.sock");
        serve("unix:" + socket);
        assertThat(Files.getAttribute(socket, "unix:mode")).satisfies(mode ->
                assertThat(Integer.toOctalString((Integer) mode)).isEqualTo("140600"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        try (Stream<Path> listing = Files.list(dir)) {
            assertThat(listing).containsExactly(socket); // the staging directory is gone
        }
    }

    @Test
    void aStaleSocketFileFromADeadServerIsTakenOver() throws Exception {
        Path socket = dir.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        } // closed without removing its file, as after a crash
        assertThat(Files.exists(socket)).isTrue();

        MultiServer.Listening server = serve("unix:" + socket + "~shs");
        Connection c = client("unix~shs").connect(server.stringify(Scope.DEVICE)).get(10, TimeUnit.SECONDS);
        assertThat(roundTrip(c, "hello".getBytes(StandardCharsets.US_ASCII))).asString().isEqualTo("hello");
    }

    @Test
    void aLiveSocketIsRefusedAndLeftAlone() throws Exception {
        Path socket = dir.resolve("live.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(socket));
            MultiServer ms = track(MultiServer.builder().listen("unix:" + socket).build());
            assertThatThrownBy(() -> ms.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause()
                    .hasMessage("could not listen on unix: another server is listening on " + socket);
            assertThat(Files.exists(socket)).isTrue();
            assertThat(live.accept()).isNotNull().satisfies(probe -> probe.close()); // our probe, nothing more
        }
    }

    @Test
    void aFileThatIsNoSocketIsNeverReplaced() throws Exception {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "keep me");
        MultiServer ms = track(MultiServer.builder().listen("unix:" + file).build());
        assertThatThrownBy(() -> ms.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS))
                .cause().hasMessageContaining(file + " exists and is not a socket");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void twoServersInOneProcessAndTwoStacksInOneServer() throws Exception {
        MultiServer.Listening first = serve("unix:" + dir.resolve("one"));
        MultiServer both = track(MultiServer.builder().listen("unix:" + dir.resolve("two"))
                .listen("unix:" + dir.resolve("three") + "~shs").build());
        MultiServer.Listening second = both.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS);
        assertThat(second.address(Scope.DEVICE).orElseThrow().alternatives()).hasSize(2);

        MultiServer plain = client("unix");
        MultiServer secure = client("unix~shs");
        List<String> addresses = List.of(first.stringify(Scope.DEVICE),
                second.address(Scope.DEVICE).orElseThrow().alternatives().get(0).toString(),
                second.address(Scope.DEVICE).orElseThrow().alternatives().get(1).toString());
        for (int i = 0; i < addresses.size(); i++) {
            String address = addresses.get(i);
            Connection c = (address.contains("~shs") ? secure : plain).connect(address).get(10, TimeUnit.SECONDS);
            byte[] data = random(100_000 + i, i);
            assertSameBytes(roundTrip(c, data), data);
        }
    }

    @Test
    void withoutAPathTheSocketLivesInAPrivateTemporaryDirectoryRemovedOnClose() throws Exception {
        MultiServer.Listening server = serve("unix");
        String address = server.stringify(Scope.DEVICE);
        Path socket = Path.of(address.substring("unix:".length()));
        Path parent = socket.getParent();
        assertThat(socket.getFileName().toString()).isEqualTo("socket");
        assertThat(parent.getFileName().toString()).startsWith("multiserver-");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(parent))).isEqualTo("rwx------");

        server.close().get(10, TimeUnit.SECONDS);
        assertThat(Files.exists(parent)).isFalse();
    }

    @Test
    void closingRemovesTheFileAndLaterConnectsSayWhy() throws Exception {
        Path socket = dir.resolve("gone.sock");
        CompletableFuture<Connection> accepted = new CompletableFuture<>();
        MultiServer.Listening server = track(MultiServer.builder().listen("unix:" + socket).build())
                .listen(accepted::complete).get(10, TimeUnit.SECONDS);
        String address = server.stringify(Scope.DEVICE);
        MultiServer client = client("unix");
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        accepted.get(10, TimeUnit.SECONDS); // else close() may find it still in the kernel's backlog: a reset
        server.close().get(10, TimeUnit.SECONDS);
        assertThat(c.input().read()).isEqualTo(-1);
        assertThat(Files.exists(socket)).isFalse();
        assertThat(connectError(client, address)).isEqualTo(address + ": no socket file there");

        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(connectError(client, address))
                .isEqualTo(address + ": connection refused (the socket file has no server behind it)");
    }

    @Test
    void pathsWithSeparatorsAreEscapedAndTheJsFormDialsToo() throws Exception {
        Path odd = Files.createDirectory(dir.resolve("a:b;c~d"));
        Path socket = odd.resolve("s");
        MultiServer.Listening server = serve("unix:" + socket.toString().replace(":", "!:").replace(";", "!;")
                .replace("~", "!~"));
        String printed = server.stringify(Scope.DEVICE);
        assertThat(printed).isEqualTo("unix:" + dir + "/a!:b!;c!~d/s");
        MultiServer client = client("unix");
        Connection c = client.connect(printed).get(10, TimeUnit.SECONDS);
        assertThat(roundTrip(c, new byte[] {1, 2})).containsExactly(1, 2);

        // What a JS server prints for a path with a colon: unescaped, so the items are joined again.
        Path jsStyle = Files.createDirectory(dir.resolve("x:y")).resolve("s");
        MultiServer.Listening second = serve("unix:" + jsStyle.toString().replace(":", "!:"));
        Connection js = client.connect("unix:" + jsStyle).get(10, TimeUnit.SECONDS);
        assertThat(js.remoteAddress().toString()).isEqualTo(second.stringify(Scope.DEVICE));
        assertThat(roundTrip(js, new byte[] {3})).containsExactly(3);
    }

    @Test
    void aPathTooLongForSunPathIsAClearError() {
        Path deep = dir.resolve("d".repeat(Math.max(1, SocketPath.MAX_BYTES - dir.toString().length())));
        MultiServer ms = track(MultiServer.builder().option(UnixOptions.PATH, deep.toString()).listen("unix")
                .build());
        assertThatThrownBy(() -> ms.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS))
                .cause().hasMessageContaining("a unix socket path holds at most 107");
    }

    @Test
    void onlyTheDeviceScope() throws Exception {
        MultiServer.Listening server = serve("unix:" + dir.resolve("d"));
        assertThat(server.stringify(Scope.PUBLIC)).isEmpty();
        assertThat(server.stringify(Scope.LOCAL)).isEmpty();

        MultiServer ms = track(MultiServer.builder().listen("unix:" + dir.resolve("p"), Set.of(Scope.PUBLIC))
                .build());
        assertThatThrownBy(() -> ms.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS))
                .cause().hasMessageContaining("unix sockets serve only the device scope");
    }

    @Test
    void epollLoopsGetEpollDomainSockets() throws Exception {
        assumeThat(Epoll.isAvailable()).as("native epoll").isTrue();
        MultiServer server = track(MultiServer.builder().preferNativeTransport(true)
                .listen("unix:" + dir.resolve("native") + "~shs").build());
        assertThat(server.nativeTransport()).isTrue();
        var listening = server.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS);
        MultiServer client = track(MultiServer.builder().preferNativeTransport(true).listen("unix~shs").build());
        Connection c = client.connect(listening.stringify(Scope.DEVICE)).get(10, TimeUnit.SECONDS);
        // Small on purpose: ms-core's README describes epoll losing the tail of large half-closed echoes.
        byte[] data = random(4096, 9);
        assertSameBytes(roundTrip(c, data), data);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("native"))))
                .isEqualTo("rw-------");
        listening.close().get(10, TimeUnit.SECONDS);
        assertThat(Files.exists(dir.resolve("native"))).isFalse();
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

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("length").isEqualTo(expected.length);
        assertThat(Arrays.mismatch(actual, expected)).as("first differing index").isEqualTo(-1);
    }

    /** The reason of the one attempt of a connect that must fail. */
    static String connectError(MultiServer client, String address) throws Exception {
        try {
            Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
            c.close();
            throw new AssertionError("connected to " + c.remoteAddress() + ", expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(DialException.class);
            return ((DialException) e.getCause()).attempts().get(0).reason();
        }
    }
}
