package org.multiserver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.testing.CliProcess;

@Timeout(120)
class CliTest {
    @TempDir
    Path home;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void keysCreatesAnOwnerOnlyIdentityOnceAndPrintsThePublicKey() throws Exception {
        Path file = home.resolve("id").resolve("secret");
        String first;
        try (CliProcess keys = CliProcess.start(home, "keys", "--keys", file.toString())) {
            first = keys.readLine();
            assertThat(keys.exitCode()).isZero();
        }
        assertThat(first).matches("[A-Za-z0-9+/]{43}=");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("\"curve\": \"ed25519\"").contains("\"id\": \"@" + first);
        try (CliProcess again = CliProcess.start(home, "keys", "--keys", file.toString())) {
            assertThat(again.readLine()).isEqualTo(first);
        }
    }

    @Test
    void serveThenConnectEchoesOverNetShsAndWsShs() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs",
                "--listen", "ws://127.0.0.1:0~shs", "--keys", home.resolve("server").toString())) {
            String address = serve.readLine();
            assertThat(address).matches("net:127\\.0\\.0\\.1:\\d+~shs:[A-Za-z0-9+/]{43}="
                    + ";ws://127\\.0\\.0\\.1:\\d+~shs:[A-Za-z0-9+/]{43}=");
            for (String alternative : address.split(";")) {
                try (CliProcess connect = CliProcess.start(home, "connect", alternative,
                        "--keys", home.resolve("client").toString())) {
                    connect.input(ascii("hi\n"));
                    assertThat(connect.rest()).as(alternative).isEqualTo("hi\n");
                    assertThat(connect.exitCode()).isZero();
                }
            }
        }
    }

    @Test
    void aMisspeltOptionIsAUsageError() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs",
                "--keys", home.resolve("server").toString(), "--option", "onion.contrl=127.0.0.1:9051")) {
            assertThat(serve.exitCode()).isEqualTo(2);
            assertThat(serve.stderr()).startsWith("multiserver: unknown option onion.contrl: no plugin found"
                    + " declares it").contains("onion.control").doesNotContain("\tat ");
        }
    }

    @Test
    void parseShowsSectionsAndExits2WithACaretOnASyntaxError() throws Exception {
        String key = "ztFRKlUFlM+Y5hN4G0XEQGYuZSnqTGTsEMMC7Zsksuo=";
        try (CliProcess ok = CliProcess.start(home, "parse", "net:h:1~shs:" + key + ";ws://x")) {
            assertThat(ok.rest()).contains("alternative 1: net:h:1~shs:" + key).contains("  net  host h  port 1")
                    .contains("  shs  [" + key + "]").contains("alternative 2: ws://x");
            assertThat(ok.exitCode()).isZero();
        }
        try (CliProcess bad = CliProcess.start(home, "parse", "net:host.com:8008~")) {
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(bad.stderr()).contains("column 18: expected a protocol name after '~'")
                    .contains("                   ^").doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void aRefusedConnectionIsOneLineAndExit1() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String key = "ztFRKlUFlM+Y5hN4G0XEQGYuZSnqTGTsEMMC7Zsksuo=";
        try (CliProcess connect = CliProcess.start(home, "connect", "net:127.0.0.1:" + port + "~shs:" + key,
                "--keys", home.resolve("client").toString())) {
            connect.input(new byte[0]);
            assertThat(connect.exitCode()).isEqualTo(1);
            assertThat(connect.stderr()).contains("connection refused").doesNotContain("\tat ");
        }
    }

    @Test
    void allowKeepsOutEveryoneElse() throws Exception {
        String stranger = "ztFRKlUFlM+Y5hN4G0XEQGYuZSnqTGTsEMMC7Zsksuo=";
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs",
                "--keys", home.resolve("server").toString(), "--allow", stranger)) {
            String address = serve.readLine();
            try (CliProcess connect = CliProcess.start(home, "connect", address,
                    "--keys", home.resolve("client").toString())) {
                connect.input(ascii("hi\n"));
                assertThat(connect.exitCode()).isEqualTo(1);
                assertThat(connect.rest()).isEmpty();
            }
        }
    }

    @Test
    void forwardReachesALocalServiceThroughShs() throws Exception {
        try (ServerSocket service = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try (Socket s = service.accept(); InputStream in = s.getInputStream();
                     OutputStream out = s.getOutputStream()) {
                    String request = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                    out.write(ascii("service got: " + request));
                    return request;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs",
                    "--keys", home.resolve("server").toString(),
                    "--forward", "127.0.0.1:" + service.getLocalPort())) {
                String address = serve.readLine();
                try (CliProcess connect = CliProcess.start(home, "connect", address,
                        "--keys", home.resolve("client").toString())) {
                    connect.input(ascii("ping"));
                    assertThat(connect.rest()).isEqualTo("service got: ping\n");
                    assertThat(connect.exitCode()).isZero();
                }
            }
            assertThat(served.get()).isEqualTo("ping");
        }
    }

    /**
     * Connections that end cleanly (each side ends its output, half-close) must free their sockets in serve, in echo
     * and in forward mode (where the local service's socket is ours too): a long-running server must not gain a file
     * descriptor per finished connection.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"echo", "forward"})
    void serveFreesTheSocketsOfConnectionsThatEndedCleanly(String mode) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "counts descriptors through /proc");
        try (ServerSocket service = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            daemon(() -> echoEachUntilItEnds(service));
            List<String> args = new ArrayList<>(List.of("serve", "--listen", "net:127.0.0.1:0~shs", "--keys",
                    home.resolve("server").toString()));
            if (mode.equals("forward")) {
                args.addAll(List.of("--forward", "127.0.0.1:" + service.getLocalPort()));
            }
            try (CliProcess serve = CliProcess.start(home, args.toArray(String[]::new));
                 MultiServer client = MultiServer.builder().listen("net~shs").build()) {
                String address = serve.readLine();
                long pid = serve.process().pid();
                int listening = socketCount(pid);
                for (int i = 0; i < 20; i++) {
                    Connection c = client.connect(address).get(30, TimeUnit.SECONDS);
                    assertThat(echo(c, "message " + i)).isEqualTo("message " + i);
                }
                int after = awaitSocketCountAtMost(pid, listening, 10_000);
                assertThat(after).as("sockets open in serve: %d while listening, %d after 20 clean connections",
                        listening, after).isLessThanOrEqualTo(listening);
            }
        }
    }

    /** Writes {@code text}, ends our output, reads the peer's answer to its end. */
    private static String echo(Connection c, String text) throws Exception {
        c.output().write(ascii(text));
        c.output().close();
        return new String(c.input().readAllBytes(), StandardCharsets.US_ASCII);
    }

    /** A local service for forward mode: echoes each connection until it ends, then ends its own side. */
    private static void echoEachUntilItEnds(ServerSocket service) {
        while (!service.isClosed()) {
            try {
                Socket s = service.accept();
                daemon(() -> {
                    try (s) {
                        s.getOutputStream().write(s.getInputStream().readAllBytes());
                        s.shutdownOutput();
                        s.getInputStream().read(); // until serve closes its end
                    } catch (java.io.IOException ignored) {
                        // serve went away: nothing to echo
                    }
                });
            } catch (java.io.IOException closed) {
                return;
            }
        }
    }

    private static void daemon(Runnable task) {
        Thread t = new Thread(task, "cli-test-service");
        t.setDaemon(true);
        t.start();
    }

    /** Polls the socket count of {@code pid} until it is at most {@code wanted} or the time is up; returns it. */
    private static int awaitSocketCountAtMost(long pid, int wanted, long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        int now = socketCount(pid);
        while (now > wanted && System.nanoTime() < end) {
            Thread.sleep(20); // another process's descriptors: nothing to wait on but /proc
            now = socketCount(pid);
        }
        return now;
    }

    private static int socketCount(long pid) throws java.io.IOException {
        int sockets = 0;
        try (var fds = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (java.io.IOException gone) {
                    // closed while we looked
                }
            }
        }
        return sockets;
    }

    @Test
    void benchPrintsOneJsonLinePerMeasurement() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs",
                "--keys", home.resolve("server").toString())) {
            String address = serve.readLine();
            try (CliProcess bench = CliProcess.start(home, "bench", "handshakes", address, "--count", "50",
                    "--concurrency", "4", "--keys", home.resolve("client").toString())) {
                assertThat(bench.readLine()).matches("\\{\"impl\":\"java\",\"kind\":\"handshakes\",\"n\":50,"
                        + "\"conc\":4,\"seconds\":[0-9.]+,\"perSecond\":[0-9.]+}");
                assertThat(bench.exitCode()).isZero();
            }
            try (CliProcess bench = CliProcess.start(home, "bench", "throughput", address, "--mib", "8",
                    "--keys", home.resolve("client").toString())) {
                assertThat(bench.readLine()).matches("\\{\"impl\":\"java\",\"kind\":\"throughput\",\"mib\":8,"
                        + "\"seconds\":[0-9.]+,\"mibPerSecond\":[0-9.]+}");
                assertThat(bench.exitCode()).isZero();
            }
        }
    }

    /** The repository's interop/js, with its node_modules: the JS peers. Fails, never skips, when missing. */
    private static Path interopJs() {
        Path dir = Path.of("..", "interop", "js").toAbsolutePath().normalize();
        assertThat(dir.resolve("node_modules").resolve("multiserver"))
                .as("interop/js/node_modules (run npm ci in interop/js; .ci/run does)").exists();
        return dir;
    }

    private static Process node(Path dir, String... args) throws java.io.IOException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("node"));
        command.addAll(java.util.List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).start();
    }

    @Test
    void aJsClientReachesServeAndConnectReachesAJsServer() throws Exception {
        Path js = interopJs();
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs",
                "--keys", home.resolve("server").toString())) {
            String address = serve.readLine();
            Process client = node(js, "client.js", address, "--bytes", "3000000");
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(client.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(client.exitValue()).as(out).isZero();
            assertThat(out).contains("\"event\":\"done\",\"sent\":3000000,\"received\":3000000");
        }
        Process server = node(js, "echo-server.js", "--host", "127.0.0.1");
        try {
            String listening = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"address\":\"([^\"]+)\"")
                    .matcher(listening);
            assertThat(m.find()).as(listening).isTrue();
            try (CliProcess connect = CliProcess.start(home, "connect", m.group(1),
                    "--keys", home.resolve("client").toString())) {
                connect.input(ascii("hi from java\n"));
                assertThat(connect.rest()).isEqualTo("hi from java\n");
                assertThat(connect.exitCode()).isZero();
            }
        } finally {
            server.destroy();
            server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
