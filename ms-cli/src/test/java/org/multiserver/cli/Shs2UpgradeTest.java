package org.multiserver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.address.MultiAddress;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.shs2.Shs2TransformProvider;
import org.multiserver.spi.Identity;
import org.multiserver.testing.CliProcess;
import picocli.CommandLine;

/**
 * The upgrade path in the command: {@code serve} serves shs2 beside shs with one key and prints shs2 first; clients
 * that know shs2 take it, clients that do not (the JS multiserver 3.8.2, a Java multiserver without the jar) skip it
 * and take shs; and a command built without shs2 gets it by dropping the jar into its plugin path.
 */
@Timeout(120)
class Shs2UpgradeTest {
    private static final String KEY = "([A-Za-z0-9+/]{43}=)";
    /** The default stacks' address on port 0: shs2, then shs on net, then shs on ws, all with one key. */
    private static final Pattern DEFAULT_ADDRESS = Pattern.compile("(net:127\\.0\\.0\\.1:(\\d+)~shs2:" + KEY + ")"
            + ";(net:127\\.0\\.0\\.1:(\\d+)~shs:\\3);(ws://127\\.0\\.0\\.1:(\\d+)~shs:\\3)");
    /** Any 32 bytes other than the SSB main network key. */
    private static final String OTHER_NETWORK = "c29tZSBvdGhlciBuZXR3b3JrIGtleSwgMzIgYnl0ZXM=";

    @TempDir
    static Path shared;

    @TempDir
    Path home;

    /** {@code serve} on the default stacks, each on port 0. */
    private static CliProcess serve;
    private static String address;
    private static Matcher parts;

    @BeforeAll
    static void serveTheDefaultStacksOnPortZero() throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("serve", "--keys", shared.resolve("server").toString()));
        for (String spec : ServeCommand.DEFAULT_SPECS) {
            args.add("--listen");
            args.add(spec.replaceFirst("localhost:\\d+", "127.0.0.1:0"));
        }
        serve = CliProcess.start(shared, args.toArray(String[]::new));
        address = serve.readLine();
        parts = DEFAULT_ADDRESS.matcher(String.valueOf(address));
        assertThat(parts.matches()).as("serve printed '%s'; stderr: %s", address,
                address == null ? serve.stderr() : "").isTrue();
    }

    @AfterAll
    static void stopServing() throws Exception {
        if (serve != null) {
            serve.close();
        }
    }

    private static String shs2Alternative() {
        return parts.group(1);
    }

    private static String shsAlternative() {
        return parts.group(4);
    }

    @Test
    void theDefaultStacksServeShs2FirstOnItsOwnPortBesideShs() throws Exception {
        assertThat(ServeCommand.DEFAULT_SPECS).containsExactly("net:localhost:8007~shs2", "net:localhost:8008~shs",
                "ws://localhost:8989~shs");
        // serve with no --listen serves exactly those, in that order, when shs2 is on the class path.
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs();
        assertThat(command.specs()).isEqualTo(ServeCommand.DEFAULT_SPECS);
    }

    @Test
    void serveHelpNamesTheDefaultStacksShs2First() {
        java.io.StringWriter help = new java.io.StringWriter();
        int code = new CommandLine(new Main()).setOut(new java.io.PrintWriter(help)).execute("serve", "--help");
        assertThat(code).isZero();
        // picocli wraps lines, even after a colon inside a spec: compare without whitespace.
        String text = help.toString().replaceAll("\\s+", "");
        for (String expected : List.of("By default: net:localhost:8007~shs2, net:localhost:8008~shs and"
                + " ws://localhost:8989~shs, with one key", "Default: net:localhost:8007~shs2, net:localhost:8008~shs"
                + " and ws://localhost:8989~shs.", "over shs and shs2")) {
            assertThat(text).contains(expected.replaceAll("\\s+", ""));
        }
    }

    @Test
    void theCommandNamesShs2sOptionsAsThePluginDeclaresThem() {
        assertThat(CommonOptions.SHS2_NETWORK_KEY).isEqualTo(Shs2TransformProvider.NETWORK_KEY.name());
        assertThat(CommonOptions.SHS2_AUTHORIZE).isEqualTo(Shs2TransformProvider.AUTHORIZE.name());
    }

    @Test
    void serveOnTheDefaultStacksPrintsShs2FirstAndOneKeyForAll() throws Exception {
        // DEFAULT_ADDRESS matched in setUp: shs2 first, then net~shs and ws~shs, the key repeated (\3).
        String key = parts.group(3);
        assertThat(key).isEqualTo(SecretFile.load(shared.resolve("server")).publicKeyBase64());
        assertThat(List.of(parts.group(2), parts.group(5), parts.group(7))).doesNotHaveDuplicates();
    }

    @Test
    void aJsClientWithoutShs2SkipsItAndEchoesOverShs() throws Exception {
        Path js = Path.of("..", "interop", "js").toAbsolutePath().normalize();
        assertThat(js.resolve("node_modules").resolve("multiserver"))
                .as("interop/js/node_modules (run npm ci in interop/js; .ci/run does)").exists();
        // The whole address, shs2 first: multiserver 3.8.2 has no shs2 plugin and must pass over it.
        Process client = new ProcessBuilder("node", "client.js", address, "--bytes", "1000000")
                .directory(js.toFile()).redirectErrorStream(true).start();
        String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(client.exitValue()).as(out).isZero();
        // The JS client reports the address it dialled: the net~shs stack's port and our key over shs.
        assertThat(out).contains("\"event\":\"connected\"")
                .contains("\"address\":\"net:127.0.0.1:" + parts.group(5) + "~shs:" + parts.group(3) + "\"")
                .contains("\"event\":\"done\",\"sent\":1000000,\"received\":1000000")
                .doesNotContain("shs2");
    }

    @Test
    void aJavaClientWithShs2ConnectsThroughShs2() throws Exception {
        MultiAddress target = MultiAddress.parse(address);
        // In this JVM, the command's own client logic on the full class path.
        try (MultiServer client = ConnectCommand.clientFor(target, MultiServer.builder(),
                CommonOptions.Plugins.find(Shs2UpgradeTest.class.getClassLoader()))) {
            assertThat(client.stackShapes()).containsExactly("net~shs2", "net~shs", "ws~shs");
            Connection c = client.connect(target).get(30, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).startsWith(shs2Alternative())
                    .startsWith("net:127.0.0.1:" + parts.group(2) + "~shs2:");
            assertThat(c.peerIdentity()).contains(parts.group(3));
            assertEchoes(c, 300_000);
        }
        // multiserver connect, given the whole address.
        try (CliProcess connect = CliProcess.start(home, "connect", address, "--verbose",
                "--keys", home.resolve("client").toString())) {
            connect.input(ascii("hi through shs2\n"));
            assertThat(connect.rest()).isEqualTo("hi through shs2\n");
            assertThat(connect.exitCode()).isZero();
            assertThat(connect.stderr()).contains("connected to " + shs2Alternative());
        }
    }

    @Test
    void benchMeasuresOverShs2() throws Exception {
        try (CliProcess bench = CliProcess.start(home, "bench", "handshakes", shs2Alternative(), "--count", "30",
                "--concurrency", "4", "--warmup", "5", "--keys", home.resolve("client").toString())) {
            assertThat(bench.readLine()).matches("\\{\"impl\":\"java\",\"kind\":\"handshakes\",\"n\":30,"
                    + "\"conc\":4,\"seconds\":[0-9.]+,\"perSecond\":[0-9.]+}");
            assertThat(bench.exitCode()).as(bench.stderr()).isZero();
        }
        try (CliProcess bench = CliProcess.start(home, "bench", "throughput", shs2Alternative(), "--mib", "4",
                "--warmup-mib", "1", "--keys", home.resolve("client").toString())) {
            assertThat(bench.readLine()).matches("\\{\"impl\":\"java\",\"kind\":\"throughput\",\"mib\":4,"
                    + "\"seconds\":[0-9.]+,\"mibPerSecond\":[0-9.]+}");
            assertThat(bench.exitCode()).as(bench.stderr()).isZero();
        }
    }

    @Test
    void aJavaClientWithoutTheShs2JarSkipsItAndUsesShs() throws Exception {
        ClassLoader without = WithoutShs2.loader();
        var plugins = CommonOptions.Plugins.find(without);
        assertThat(plugins.names()).contains("net", "ws", "shs").doesNotContain("shs2");
        assertThatThrownBy(() -> MultiServer.builder().classLoader(without).listen("net~shs2").build())
                .hasMessageContaining("no transform plugin for 'shs2'");

        MultiAddress target = MultiAddress.parse(address);
        try (MultiServer client = ConnectCommand.clientFor(target, MultiServer.builder().classLoader(without),
                plugins)) {
            assertThat(client.stackShapes()).containsExactly("net~shs", "ws~shs");
            Connection c = client.connect(target).get(30, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).startsWith(shsAlternative())
                    .startsWith("net:127.0.0.1:" + parts.group(5) + "~shs:");
            assertEchoes(c, 300_000);
        }

        // multiserver connect in a JVM whose class path lacks the jar: it cannot dial shs2 alone, and says so...
        String classPath = WithoutShs2.classPath();
        try (CliProcess connect = CliProcess.startWithClassPath(classPath, home, "connect", shs2Alternative(),
                "--keys", home.resolve("client").toString())) {
            connect.input(new byte[0]);
            assertThat(connect.exitCode()).isEqualTo(2);
            assertThat(connect.stderr()).contains("no plugin can dial").contains("shs2").doesNotContain("\tat ");
        }
        // ...and given the whole address it takes net~shs.
        try (CliProcess connect = CliProcess.startWithClassPath(classPath, home, "connect", address, "--verbose",
                "--keys", home.resolve("client").toString())) {
            connect.input(ascii("hi through shs\n"));
            assertThat(connect.rest()).isEqualTo("hi through shs\n");
            assertThat(connect.exitCode()).isZero();
            assertThat(connect.stderr()).contains("connected to " + shsAlternative());
        }
    }

    @Test
    void appKeyAndAllowApplyToShs2TooWhenItIsOnTheClassPath() throws Exception {
        ShsKeyPair allowed = SecretFile.loadOrCreate(home.resolve("client"));
        try (CliProcess server = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs2",
                "--listen", "net:127.0.0.1:0~shs", "--keys", home.resolve("server").toString(),
                "--app-key", OTHER_NETWORK, "--allow", allowed.publicKeyBase64())) {
            String served = server.readLine();
            assertThat(served).as(server.stderrAtEnd().getNow("")).matches("net:127\\.0\\.0\\.1:\\d+~shs2:" + KEY
                    + ";net:127\\.0\\.0\\.1:\\d+~shs:\\1");
            String[] alternatives = served.split(";");
            assertLetsInOnlyTheAllowedKeyOnTheNetwork(alternatives[0]);
            assertLetsInOnlyTheAllowedKeyOnTheNetwork(alternatives[1]);
        }
    }

    @Test
    void aCommandWithoutShs2ServesAndDialsItFromThePluginPath() throws Exception {
        Path plugins = home.resolve("plugins");
        WithoutShs2.pluginJar(plugins);
        String classPath = WithoutShs2.classPath();
        ShsKeyPair allowed = SecretFile.loadOrCreate(home.resolve("client"));
        try (CliProcess server = CliProcess.startWithClassPath(classPath, home, "serve",
                "--listen", "net:127.0.0.1:0~shs2", "--plugin-path", plugins.toString(),
                "--keys", home.resolve("server").toString(),
                "--app-key", OTHER_NETWORK, "--allow", allowed.publicKeyBase64())) {
            String served = server.readLine();
            assertThat(served).as(server.stderrAtEnd().getNow("")).matches("net:127\\.0\\.0\\.1:\\d+~shs2:" + KEY);

            try (CliProcess connect = CliProcess.startWithClassPath(classPath, home, "connect", served,
                    "--plugin-path", plugins.toString(), "--app-key", OTHER_NETWORK, "--verbose",
                    "--keys", home.resolve("client").toString())) {
                connect.input(ascii("hi through a dropped-in shs2\n"));
                assertThat(connect.rest()).isEqualTo("hi through a dropped-in shs2\n");
                assertThat(connect.exitCode()).isZero();
                assertThat(connect.stderr()).contains("connected to " + served);
            }
            // --app-key and --allow reached the plugin loaded from the plugin path.
            assertLetsInOnlyTheAllowedKeyOnTheNetwork(served);
        }
    }

    /**
     * Over {@code alternative}: the allowed key on {@link #OTHER_NETWORK} echoes; a stranger on that network, and
     * the allowed key on the default network, are refused.
     */
    private void assertLetsInOnlyTheAllowedKeyOnTheNetwork(String alternative) throws Exception {
        Identity allowed = SecretFile.load(home.resolve("client")).identity();
        Identity stranger = Identity.generate();
        try (MultiServer ok = client(allowed, OTHER_NETWORK, alternative)) {
            Connection c = ok.connect(alternative).get(30, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).isEqualTo(alternative);
            assertEchoes(c, 10_000);
        }
        try (MultiServer no = client(stranger, OTHER_NETWORK, alternative)) {
            assertThatThrownBy(() -> no.connect(alternative).get(30, TimeUnit.SECONDS))
                    .as("a stranger over %s", alternative).isInstanceOf(ExecutionException.class);
        }
        try (MultiServer no = client(allowed, ShsTransformProvider.SSB_MAIN_NETWORK, alternative)) {
            assertThatThrownBy(() -> no.connect(alternative).get(30, TimeUnit.SECONDS))
                    .as("the main network over %s", alternative).isInstanceOf(ExecutionException.class);
        }
    }

    private static MultiServer client(Identity identity, String network, String alternative) {
        return MultiServer.builder().identity(identity)
                .option(ShsTransformProvider.APP_KEY, network)
                .option(Shs2TransformProvider.NETWORK_KEY, network)
                .listen(String.join("~", MultiAddress.parse(alternative).alternatives().get(0).names()))
                .build();
    }

    /** Sends {@code size} random bytes from another thread while reading the echo here, then ends both sides. */
    private static void assertEchoes(Connection c, int size) throws Exception {
        byte[] sent = new byte[size];
        new Random(size).nextBytes(sent);
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try (var out = c.output()) {
                out.write(sent);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] echoed = c.input().readAllBytes();
        writing.get(30, TimeUnit.SECONDS);
        assertThat(echoed).isEqualTo(sent);
        c.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
