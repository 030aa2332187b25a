package org.multiserver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.testing.CliProcess;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a new user meets in the first hour (issue 14, defects 3 to 8 and 10): help for every command, usage errors
 * that exit 2 on one line and point at the right help, servers that fail at start instead of printing nothing,
 * plugins asked about every item, the home directory, and what a server says on stderr. Every command runs in a
 * process of its own, as a user runs it.
 */
@Timeout(180)
class FirstHourTest {
    private static final String KEY = "ztFRKlUFlM+Y5hN4G0XEQGYuZSnqTGTsEMMC7Zsksuo=";

    @TempDir
    Path home;

    /** Every command and subcommand, as picocli builds them from {@link Main}: a new one is covered by itself. */
    private static List<CommandLine> everyCommand() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new Main()), all);
        return all;
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }

    /** The words after {@code multiserver}: {@code [bench, handshakes]}. */
    private static List<String> words(CommandLine command) {
        List<String> words = new ArrayList<>();
        for (CommandLine c = command; c.getParent() != null; c = c.getParent()) {
            words.add(0, c.getCommandName());
        }
        return words;
    }

    private CliProcess run(List<String> words, String... more) throws Exception {
        List<String> args = new ArrayList<>(words);
        args.addAll(List.of(more));
        return CliProcess.start(home, args.toArray(String[]::new));
    }

    private static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    // ---- defect 3: help for every command, and hints that name the command

    @Test
    void everyCommandAnswersHelpAndH() throws Exception {
        List<CommandLine> commands = everyCommand();
        assertThat(commands).extracting(CommandLine::getCommandName).contains("multiserver", "serve", "connect",
                "keys", "parse", "bench", "handshakes", "throughput");
        for (CommandLine command : commands) {
            String name = command.getCommandSpec().qualifiedName();
            for (String help : List.of("--help", "-h")) {
                try (CliProcess p = run(words(command), help)) {
                    String out = p.rest();
                    assertThat(p.exitCode()).as("%s %s: %s", name, help, p.stderr()).isZero();
                    assertThat(out).as("%s %s", name, help).startsWith("Usage: " + name + " ")
                            .contains("-h, --help");
                    assertThat(p.stderr()).as("%s %s", name, help).isEmpty();
                }
            }
        }
    }

    @Test
    void everyOptionAndParameterIsDescribed() {
        for (CommandLine command : everyCommand()) {
            CommandSpec spec = command.getCommandSpec();
            List<ArgSpec> args = new ArrayList<>(spec.options());
            args.addAll(spec.positionalParameters());
            for (ArgSpec arg : args) {
                assertThat(String.join(" ", arg.description())).as("%s %s", spec.qualifiedName(),
                        arg.isOption() ? ((CommandLine.Model.OptionSpec) arg).longestName() : arg.paramLabel())
                        .isNotBlank();
                if (arg.arity().max() > 0) {
                    assertThat(arg.paramLabel()).as("%s: a label, not a field name", spec.qualifiedName())
                            .doesNotStartWith("<");
                }
            }
        }
    }

    @Test
    void aUsageErrorNamesTheCommandToAskForHelp() throws Exception {
        for (CommandLine command : everyCommand()) {
            String name = command.getCommandSpec().qualifiedName();
            try (CliProcess p = run(words(command), "--no-such-option")) {
                assertThat(p.exitCode()).as(name).isEqualTo(2);
                List<String> err = lines(p.stderr());
                assertThat(err).as(name).hasSize(2);
                if (!command.getCommandSpec().positionalParameters().isEmpty()) {
                    // A missing ADDRESS is reported first, and that is right too; the hint is what matters here.
                    assertThat(err.get(0)).startsWith("multiserver: ");
                } else {
                    assertThat(err.get(0)).isEqualTo("multiserver: unknown option '--no-such-option'");
                }
                assertThat(err.get(1)).isEqualTo("Try '" + name + " --help'.");
                assertThat(name).doesNotContain("multiserver multiserver");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "serve --liste x|multiserver: unknown option '--liste' (did you mean --listen?)|multiserver serve",
        "serve --kes x --bogus|multiserver: unknown options '--kes', '--bogus' (did you mean --keys?)"
                + "|multiserver serve",
        "serv|multiserver: unexpected argument 'serv' (did you mean serve or parse?)|multiserver",
        "bench handshakes net:h:1 extra|multiserver: unexpected argument 'extra'|multiserver bench handshakes",
    })
    void unknownOptionsAreListedCleanly(String args, String message, String command) throws Exception {
        try (CliProcess p = CliProcess.start(home, args.split(" "))) {
            assertThat(p.exitCode()).isEqualTo(2);
            assertThat(lines(p.stderr())).containsExactly(message, "Try '" + command + " --help'.");
        }
    }

    // ---- defect 4: bench refuses counts it cannot finish with, instead of waiting forever

    @Test
    void benchRefusesCountsItWouldHangOn() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs",
                "--keys", home.resolve("server").toString())) {
            String address = serve.readLine();
            String[][] cases = {
                {"handshakes", "--count", "0", "--count must be at least 1, got 0"},
                {"handshakes", "--count", "-3", "--count must be at least 1, got -3"},
                {"handshakes", "--concurrency", "0", "--concurrency must be at least 1, got 0"},
                {"throughput", "--mib", "0", "--mib must be at least 1, got 0"},
                {"throughput", "--mib", "-1", "--mib must be at least 1, got -1"},
                {"throughput", "--warmup-mib", "-1", "--warmup-mib must be 0 or more, got -1"},
            };
            for (String[] c : cases) {
                try (CliProcess bench = CliProcess.start(home, "bench", c[0], address, c[1], c[2], "--keys",
                        home.resolve("client").toString())) {
                    assertThat(bench.exitCode()).as(String.join(" ", c)).isEqualTo(2);
                    assertThat(lines(bench.stderr())).as(String.join(" ", c))
                            .containsExactly("multiserver: " + c[3]);
                    assertThat(bench.rest()).isEmpty();
                }
            }
        }
    }

    // ---- defect 5: a server that cannot run, or can print no address, says why and exits

    @Test
    void aDisabledNoauthStackFailsAtStartWithTheReason() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:localhost:0~noauth",
                "--keys", home.resolve("server").toString())) {
            assertThat(serve.readLine()).isNull();
            assertThat(serve.exitCode()).isEqualTo(2);
            assertThat(serve.stderr()).contains("multiserver: column 17: noauth is disabled")
                    .contains("noauth.enabled=true").doesNotContain("\tat ");
        }
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~noauth",
                "--option", "noauth.enabled=true", "--keys", home.resolve("server").toString())) {
            assertThat(serve.readLine()).matches("net:127\\.0\\.0\\.1:\\d+~noauth");
        }
    }

    /**
     * A wildcard server asked for a scope this machine has no address in: the issue's {@code --scope private} on a
     * machine without a private address, or {@code public} on one without a public one (most CI machines).
     */
    @Test
    void aServerWithNoAddressForTheScopeAskedSaysWhyAndExits() throws Exception {
        String missing = scopeWithoutAnIpv4Address();
        assumeTrue(missing != null, "this machine has private and public IPv4 addresses both");
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:0.0.0.0:0~shs", "--scope", missing,
                "--keys", home.resolve("server").toString())) {
            assertThat(serve.readLine()).isNull();
            assertThat(serve.exitCode()).isEqualTo(1);
            assertThat(serve.stderr()).contains("multiserver: no address for scope " + missing
                    + ": none of the listen specs (net:0.0.0.0:0~shs) gives one").doesNotContain("\tat ");
        }
    }

    /** private or public, whichever no interface that is up has an IPv4 address of; null when it has both. */
    private static String scopeWithoutAnIpv4Address() throws Exception {
        boolean privateOne = false;
        boolean publicOne = false;
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (!(a instanceof Inet4Address) || a.isLoopbackAddress()) {
                    continue;
                }
                if (a.isSiteLocalAddress() || a.isLinkLocalAddress()) {
                    privateOne = true;
                } else {
                    publicOne = true;
                }
            }
        }
        return !privateOne ? "private" : !publicOne ? "public" : null;
    }

    // ---- defect 6: a listen spec's data that nothing reads is an error, at its column

    @Test
    void aKeyInAShsListenSpecIsRejectedAtItsColumn() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:localhost:0~shs:abc",
                "--keys", home.resolve("server").toString())) {
            assertThat(serve.readLine()).isNull();
            assertThat(serve.exitCode()).isEqualTo(2);
            assertThat(lines(serve.stderr())).contains(
                    "multiserver: column 21: a listen spec's shs takes no data: the server's key pair is its identity"
                            + " (or the option shs.seed or shs.key-file), and the address it prints carries the"
                            + " public key; write just 'shs'",
                    "  net:localhost:0~shs:abc",
                    "                      ^");
        }
    }

    // ---- defect 7: address errors exit 2, and parse asks the plugins

    @ParameterizedTest(name = "connect {0}")
    @CsvSource(delimiter = '|', value = {
        "net:localhost:8008~shs:abc|column 24: the server key must decode to 32 bytes, got 2: 'abc'",
        "net:host|column 9: expected a port after the host",
        "net:localhost:99999|column 15: '99999' is not a port (a port to dial is a whole number from 1 to 65535)",
        "net:localhost:0|column 15: port 0 cannot be dialled (a port to dial is a whole number from 1 to 65535)",
        "shs:abc|column 5: the server key must decode to 32 bytes, got 2: 'abc'",
        "shs:" + KEY + "|column 1: 'shs' is a transform: an address starts with a transport",
    })
    void connectToAMalformedAddressExits2WithThePluginsColumn(String address, String message) throws Exception {
        try (CliProcess connect = CliProcess.start(home, "connect", address,
                "--keys", home.resolve("client").toString())) {
            connect.input(new byte[0]);
            assertThat(connect.exitCode()).isEqualTo(2);
            assertThat(connect.stderr()).startsWith("multiserver: " + message).contains("\n  " + address + "\n")
                    .doesNotContain("\tat ");
        }
        assertThat(home.resolve("client")).as("nothing was dialled, so no identity was needed").doesNotExist();
    }

    @ParameterizedTest(name = "parse {0}")
    @CsvSource(delimiter = '|', value = {
        "net:h:99999|column 7: '99999' is not a port (a port to dial is a whole number from 1 to 65535)",
        "shs:abc|column 5: the server key must decode to 32 bytes, got 2: 'abc'",
        "net:h:1~shs:abc|column 13: the server key must decode to 32 bytes, got 2: 'abc'",
        "net:h:1~net:h:2|column 9: 'net' is a transport: after the first section come transforms",
        "ws://h:0~shs:" + KEY + "|column 8: port 0 cannot be dialled",
    })
    void parseAsksThePlugins(String address, String message) throws Exception {
        try (CliProcess parse = CliProcess.start(home, "parse", address)) {
            assertThat(parse.exitCode()).isEqualTo(2);
            assertThat(parse.stderr()).startsWith("multiserver: " + message).doesNotContain("\tat ");
            assertThat(parse.rest()).isEmpty();
        }
    }

    @Test
    void parseShowsANetSectionAsAHostAndAPort() throws Exception {
        try (CliProcess parse = CliProcess.start(home, "parse", "net:[::1]:8008;net:fe80::1:8008~shs:" + KEY
                + ";net:example.com:1~shs:" + KEY + ";foo:bar~shs")) {
            assertThat(parse.rest()).isEqualTo("alternative 1: net:[::1]:8008\n"
                    + "  net  host ::1  port 8008\n"
                    + "alternative 2: net:fe80::1:8008~shs:" + KEY + "\n"
                    + "  net  host fe80::1  port 8008\n"
                    + "  shs  [" + KEY + "]\n"
                    + "alternative 3: net:example.com:1~shs:" + KEY + "\n"
                    + "  net  host example.com  port 1\n"
                    + "  shs  [" + KEY + "]\n"
                    + "alternative 4: foo:bar~shs  (skipped: no plugin for 'foo')\n"
                    + "  foo  [bar]\n"
                    + "  shs\n"
                    + "canonical: net:[::1]:8008;net:fe80::1:8008~shs:" + KEY + ";net:example.com:1~shs:" + KEY
                    + ";foo:bar~shs\n");
            assertThat(parse.exitCode()).isZero();
        }
    }

    // ---- defect 8: $HOME, and a secret file owner-only from its first byte

    @Test
    void theDefaultKeyFileIsUnderHomeNotThePasswdHome() throws Exception {
        Path envHome = Files.createDirectories(home.resolve("env-home"));
        Path passwdHome = Files.createDirectories(home.resolve("passwd-home"));
        String key;
        try (CliProcess keys = CliProcess.start(System.getProperty("java.class.path"), envHome, passwdHome, "keys")) {
            key = keys.readLine();
            assertThat(keys.exitCode()).as(keys.stderr()).isZero();
        }
        Path secret = envHome.resolve(".multiserver").resolve("secret");
        assertThat(secret).exists();
        assertThat(Files.readString(secret)).contains("\"id\": \"@" + key + ".ed25519\"");
        assertThat(passwdHome.resolve(".multiserver")).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret.getParent())))
                .isEqualTo("rwx------");

        // serve reads the same one, and says so.
        try (CliProcess serve = CliProcess.start(System.getProperty("java.class.path"), envHome, passwdHome,
                "serve", "--listen", "net:127.0.0.1:0~shs")) {
            assertThat(serve.readLine()).endsWith("~shs:" + key);
            serve.terminate();
            assertThat(serve.stderr()).contains("read key file " + secret);
        }
    }

    /**
     * The folder and the file get their owner-only permissions from the system calls that create them, so there is
     * no moment where another user could open them: seen with strace, where it runs (ptrace is often not allowed
     * in containers).
     */
    @Test
    void theSecretFileIsCreatedOwnerOnlyNotRestrictedAfter() throws Exception {
        Path trace = home.resolve("trace");
        assumeTrue(straceWorks(), "strace is not available here");
        Path secret = home.resolve("new-dir").resolve("secret");
        try (CliProcess keys = CliProcess.start(List.of("strace", "-f", "-qq", "-e",
                        "trace=mkdir,mkdirat,open,openat,creat", "-o", trace.toString()),
                System.getProperty("java.class.path"), home, home, "keys", "--keys", secret.toString())) {
            assertThat(keys.exitCode()).as(keys.stderr()).isZero();
        }
        List<String> calls = Files.readAllLines(trace).stream().filter(l -> l.contains(home.resolve("new-dir")
                .toString())).toList();
        assertThat(calls).as("the system calls on the new folder").anySatisfy(call ->
                assertThat(call).containsPattern("mkdir(at)?\\(.*\"" + Pattern.quote(secret.getParent().toString())
                        + "\", 0700\\) = 0"));
        // strace -f splits a call that another thread interrupts into "... <unfinished ...>" and "<... resumed>".
        assertThat(calls).as("the system calls on the new file").anySatisfy(call ->
                assertThat(call).containsPattern("open(at)?\\(.*\"" + Pattern.quote(secret.toString())
                        + "\", [A-Z_|]*O_CREAT[A-Z_|]*, 0600(\\) = \\d+| <unfinished \\.\\.\\.>)"));
        assertThat(calls).as("no call creates either with wider permissions").noneSatisfy(call ->
                assertThat(call).containsPattern(", 0[67][0-7][0-7](\\) = | <unfinished)")
                        .doesNotContain(", 0700")
                        .doesNotContain(", 0600"));
    }

    private boolean straceWorks() {
        try {
            Process p = new ProcessBuilder("strace", "-qq", "-e", "trace=none", "true").redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    // ---- defect 10: the small things

    @Test
    void aNegativeHandshakeTimeoutIsOneLineInSeconds() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--handshake-timeout", "-5", "--listen",
                "net:127.0.0.1:0~shs", "--keys", home.resolve("server").toString())) {
            assertThat(serve.exitCode()).isEqualTo(2);
            assertThat(lines(serve.stderr())).containsExactly(
                    "multiserver: --handshake-timeout must be positive, got -5 s");
        }
    }

    @Test
    void aKeyFileThatIsAFolderIsNamed() throws Exception {
        Path folder = Files.createDirectories(home.resolve("a-folder"));
        try (CliProcess keys = CliProcess.start(home, "keys", "--keys", folder.toString())) {
            assertThat(keys.exitCode()).isEqualTo(1);
            assertThat(lines(keys.stderr())).containsExactly("multiserver: " + folder + " is a directory, not a"
                    + " secret file (--keys names the file itself, such as " + folder.resolve("secret") + ")");
        }
    }

    @Test
    void portsSayWhichRangeTheContextTakes() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:99999~shs",
                "--keys", home.resolve("server").toString())) {
            assertThat(serve.exitCode()).isEqualTo(2);
            assertThat(serve.stderr()).startsWith("multiserver: column 15: '99999' is not a port (a port to"
                    + " listen on is a whole number from 0 to 65535, 0 for any free port)");
        }
        try (CliProcess connect = CliProcess.start(home, "connect", "ws://127.0.0.1:99999~shs:" + KEY,
                "--keys", home.resolve("client").toString())) {
            connect.input(new byte[0]);
            assertThat(connect.exitCode()).isEqualTo(2);
            assertThat(connect.stderr()).startsWith("multiserver: column 16: '99999' is not a port (a port to"
                    + " dial is a whole number from 1 to 65535)");
        }
        try (CliProcess connect = CliProcess.start(home, "connect", "net:127.0.0.1:1~shs:" + KEY, "--local-port",
                "65536", "--keys", home.resolve("client").toString())) {
            assertThat(connect.exitCode()).isEqualTo(2);
            assertThat(lines(connect.stderr())).containsExactly("multiserver: --local-port must be a port to"
                    + " listen on, 0 to 65535 (0 for any free port), got 65536");
        }
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "net:127.0.0.1:0~shs", "--forward",
                "127.0.0.1:0", "--keys", home.resolve("server").toString())) {
            assertThat(serve.exitCode()).isEqualTo(2);
            assertThat(lines(serve.stderr())).containsExactly("multiserver: --forward expects HOST:PORT with a"
                    + " port to dial, 1 to 65535; got '127.0.0.1:0'");
        }
    }

    @Test
    void wssToAPlainWsPortIsOneReadableLine() throws Exception {
        try (CliProcess serve = CliProcess.start(home, "serve", "--listen", "ws://127.0.0.1:0~shs",
                "--keys", home.resolve("server").toString())) {
            String address = serve.readLine();
            String wss = address.replaceFirst("^ws:", "wss:");
            try (CliProcess connect = CliProcess.start(home, "connect", wss, "--option", "ws.tls-trust-all=true",
                    "--keys", home.resolve("client").toString())) {
                connect.input(new byte[0]);
                assertThat(connect.exitCode()).isEqualTo(1);
                String error = connect.stderr();
                assertThat(error).contains(wss.substring(0, wss.indexOf('~')) + ": TLS handshake failed: the server"
                        + " answered in plain HTTP ('HTTP/1.1 400 Bad Request'), not TLS: it serves ws, not wss")
                        .doesNotContainPattern("[0-9a-f]{32}");
            }
        }
    }

    /** What serve tells its operator on stderr: the key file, what it bound, connections with --verbose, the end. */
    @Test
    void serveSaysWhatItDoesOnStderr() throws Exception {
        Path keyFile = home.resolve("server");
        for (boolean verbose : new boolean[]{false, true}) {
            List<String> args = new ArrayList<>(List.of("serve", "--listen", "net:127.0.0.1:0~shs",
                    "--keys", keyFile.toString()));
            if (verbose) {
                args.add("--verbose");
            }
            String stderr;
            String address;
            try (CliProcess serve = CliProcess.start(home, args.toArray(String[]::new));
                 MultiServer client = MultiServer.client()) {
                address = serve.readLine();
                Connection c = client.connect(address).get(30, TimeUnit.SECONDS);
                c.output().write("hi".getBytes(StandardCharsets.US_ASCII));
                c.output().close();
                assertThat(new String(c.input().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hi");
                c.close();
                serve.terminate();
                stderr = serve.stderr();
            }
            if (!verbose) {
                assertThat(lines(stderr)).startsWith("INFO serve - created key file " + keyFile,
                        "INFO serve - listening for device: " + address);
                assertThat(stderr).doesNotContain("connection from");
            } else {
                assertThat(stderr).contains("read key file " + keyFile)
                        .contains("listening for device: " + address);
                Matcher from = Pattern.compile("connection from (net:127\\.0\\.0\\.1:\\d+~shs:[A-Za-z0-9+/]{43}=)")
                        .matcher(stderr);
                assertThat(from.find()).as(stderr).isTrue();
            }
            assertThat(stderr).contains("shutting down").contains("stopped").doesNotContain("\tat ");
        }
    }
}
