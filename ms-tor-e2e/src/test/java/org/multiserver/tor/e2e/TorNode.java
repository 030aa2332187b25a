package org.multiserver.tor.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One {@code tor} process of the private network: its torrc, its data directory, its log. tor is started directly
 * (no shell, no wrapper), so the pid of our {@link Process} is tor's own and stopping it leaves no orphan. Its notice
 * log comes on stdout, where a reader thread completes the futures of {@link #logLine} (no polling), and goes to
 * {@code notice.log} in the data directory too, for a look after a failure.
 */
final class TorNode implements AutoCloseable {
    final String nickname;
    final Path dataDirectory;
    final int controlPort;
    private final List<String> torrc;
    private final List<String> log = new ArrayList<>();
    private final Map<Predicate<String>, CompletableFuture<String>> waiting = new ConcurrentHashMap<>();
    /** Why tor's log ended (it exited); guarded by {@code log}. */
    private IOException ended;
    private volatile Process process;

    TorNode(String nickname, Path dataDirectory, int controlPort, List<String> torrc) {
        this.nickname = nickname;
        this.dataDirectory = dataDirectory;
        this.controlPort = controlPort;
        this.torrc = List.copyOf(torrc);
    }

    /** A data directory tor accepts (owner-only), made before tor runs so keys can be put there first. */
    static Path dataDirectory(Path parent, String nickname) throws IOException {
        Path dir = parent.resolve(nickname);
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return dir;
    }

    void start(Path emptyDefaults) throws IOException {
        Path file = dataDirectory.resolveSibling(nickname + ".torrc");
        Files.write(file, torrc);
        // --defaults-torrc: never read /etc/tor/torrc-defaults, and -f never /etc/tor/torrc (Debian's opens 9050).
        process = new ProcessBuilder("tor", "-f", file.toString(), "--defaults-torrc", emptyDefaults.toString())
                .redirectErrorStream(true).start();
        Thread reader = new Thread(this::readLog, "tor-log-" + nickname);
        reader.setDaemon(true);
        reader.start();
    }

    /** The first log line that matches, the lines already logged included; fails if tor exits first. */
    CompletableFuture<String> logLine(Predicate<String> match) {
        return logLineAfter(0, match);
    }

    /** How many lines tor has logged so far: a mark for {@link #logLineAfter}. */
    int logSize() {
        synchronized (log) {
            return log.size();
        }
    }

    /** The first line that matches among those from line {@code mark} on (0-based), and those to come. */
    CompletableFuture<String> logLineAfter(int mark, Predicate<String> match) {
        CompletableFuture<String> line = new CompletableFuture<>();
        synchronized (log) {
            for (String l : log.subList(Math.min(mark, log.size()), log.size())) {
                if (match.test(l)) {
                    line.complete(l);
                    return line;
                }
            }
            if (ended != null) {
                line.completeExceptionally(ended);
            } else {
                waiting.put(match, line);
            }
        }
        return line;
    }

    private void readLog() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (log) {
                    log.add(line);
                    for (Iterator<Map.Entry<Predicate<String>, CompletableFuture<String>>> it =
                            waiting.entrySet().iterator(); it.hasNext(); ) {
                        Map.Entry<Predicate<String>, CompletableFuture<String>> e = it.next();
                        if (e.getKey().test(line)) {
                            e.getValue().complete(line);
                            it.remove();
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the stream closes when tor exits: handled below
        }
        IOException exited = exited();
        synchronized (log) {
            ended = exited;
            waiting.values().forEach(f -> f.completeExceptionally(exited));
            waiting.clear();
        }
    }

    private IOException exited() {
        Process p = process;
        String code = "?";
        try {
            if (p.waitFor(5, TimeUnit.SECONDS)) {
                code = Integer.toString(p.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new IOException("tor " + nickname + " exited (code " + code + "); its last lines:\n" + lastLines(15));
    }

    /** The lines logged from line {@code mark} on (0-based). */
    List<String> linesAfter(int mark) {
        synchronized (log) {
            return List.copyOf(log.subList(Math.min(mark, log.size()), log.size()));
        }
    }

    /** The last {@code n} lines of tor's log, for error messages. */
    String lastLines(int n) {
        synchronized (log) {
            return String.join("\n", log.subList(Math.max(0, log.size() - n), log.size()));
        }
    }

    Path cookieFile() {
        return dataDirectory.resolve("control_auth_cookie");
    }

    long pid() {
        return process.pid();
    }

    boolean started() {
        return process != null;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM: with ShutdownWaitLength 0 tor exits at once. */
    void stop() {
        Process p = process;
        if (p != null) {
            p.destroy();
        }
    }

    /** {@link #stop}, then SIGKILL if tor is still there after 10 s. */
    @Override
    public void close() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "tor " + nickname + (process != null ? " (pid " + process.pid() + ")" : "");
    }
}
