package org.multiserver.onion;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code tor} from Debian, on loopback ports it picks itself ({@code auto}), with its own data directory. Its
 * ports are read from its log on stdout ("Opened Control listener connection (ready) on 127.0.0.1:PORT"), and it is
 * ready once it logs "Bootstrapped 0%" (after it wrote its cookie), so there is no polling: a reader thread
 * completes a future per event, and start() waits on them for at most 30 s. tor also
 * watches this JVM ({@code __OwningControllerProcess}) and exits if the tests die without stopping it.
 */
final class TorProcess implements AutoCloseable {
    private static final Pattern OPENED = Pattern.compile(
            "Opened (Control|Socks) listener connection \\(ready\\) on 127\\.0\\.0\\.1:(\\d+)");

    final Path dataDirectory;
    private final Process process;
    private final CompletableFuture<Integer> control = new CompletableFuture<>();
    private final CompletableFuture<Integer> socks = new CompletableFuture<>();
    /** tor writes its cookie after opening the control port; "Bootstrapped 0%" comes after both. */
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final Deque<String> lastLines = new ArrayDeque<>();

    private TorProcess(Path dataDirectory, Process process) {
        this.dataDirectory = dataDirectory;
        this.process = process;
    }

    /** A tor with {@code DisableNetwork 1}: it serves its control port and never opens a SOCKS port. */
    static TorProcess withoutNetwork(Path dir, String... extraLines) throws Exception {
        List<String> lines = new ArrayList<>(List.of("DisableNetwork 1", "SocksPort 0"));
        lines.addAll(List.of(extraLines));
        return start(dir, lines, false);
    }

    /**
     * A tor that has network enabled but nowhere to go: its only directory authority is a loopback port where
     * nothing listens, so it opens its SOCKS port but never builds a circuit, and never contacts the public network
     * (with a DirAuthority line tor adds neither the public authorities nor fallback directories).
     */
    static TorProcess isolated(Path dir, String... extraLines) throws Exception {
        int deadPort = Microsocks.freePort();
        List<String> lines = new ArrayList<>(List.of(
                "TestingTorNetwork 1",
                "DirAuthority nowhere orport=" + deadPort + " no-v2 v3ident=" + "0".repeat(39) + "1 127.0.0.1:"
                        + deadPort + " " + "0".repeat(39) + "2",
                "UseDefaultFallbackDirs 0",
                "ClientUseIPv6 0",
                "OutboundBindAddress 127.0.0.1",
                "SocksPort 127.0.0.1:auto ExtendedErrors"));
        lines.addAll(List.of(extraLines));
        return start(dir, lines, true);
    }

    private static TorProcess start(Path dir, List<String> specific, boolean withSocks) throws Exception {
        Path data = Files.createDirectory(dir.resolve("tor-data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<String> torrc = new ArrayList<>(List.of(
                "DataDirectory " + data,
                "ControlPort 127.0.0.1:auto",
                "Log notice stdout",
                "__OwningControllerProcess " + ProcessHandle.current().pid()));
        torrc.addAll(specific);
        if (specific.stream().noneMatch(l -> l.startsWith("CookieAuthentication") || l.startsWith("Hashed"))) {
            torrc.add("CookieAuthentication 1");
        }
        Path file = dir.resolve("torrc");
        Files.write(file, torrc);
        Process process = new ProcessBuilder("tor", "-f", file.toString(), "--RunAsDaemon", "0")
                .redirectErrorStream(true).start();
        TorProcess tor = new TorProcess(data, process);
        Thread reader = new Thread(tor::readLog, "tor-log");
        reader.setDaemon(true);
        reader.start();
        try {
            tor.control.get(30, TimeUnit.SECONDS);
            tor.started.get(30, TimeUnit.SECONDS);
            if (withSocks) {
                tor.socks.get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            tor.close();
            throw new IOException("tor did not open its ports: " + tor.log(), e);
        }
        return tor;
    }

    /** Reads tor's log until it exits: completes the port futures, keeps the last lines for error messages. */
    private void readLog() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > 20) {
                        lastLines.removeFirst();
                    }
                }
                if (line.contains("Bootstrapped 0%")) {
                    started.complete(null);
                }
                Matcher m = OPENED.matcher(line);
                if (m.find()) {
                    (m.group(1).equals("Control") ? control : socks).complete(Integer.parseInt(m.group(2)));
                }
            }
        } catch (IOException e) {
            // the process went away; fall through
        }
        IOException exited = new IOException("tor exited");
        control.completeExceptionally(exited);
        socks.completeExceptionally(exited);
        started.completeExceptionally(exited);
    }

    int controlPort() {
        return control.join();
    }

    int socksPort() {
        return socks.join();
    }

    Path cookieFile() {
        return dataDirectory.resolve("control_auth_cookie");
    }

    String log() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** {@code tor --hash-password}, for a torrc's HashedControlPassword. */
    static String hashPassword(String password) throws Exception {
        Process p = new ProcessBuilder("tor", "--quiet", "--hash-password", password).redirectErrorStream(true)
                .start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("tor --hash-password failed: " + out);
            }
            return out.lines().filter(l -> l.startsWith("16:")).findFirst()
                    .orElseThrow(() -> new IOException("no hash in: " + out));
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
