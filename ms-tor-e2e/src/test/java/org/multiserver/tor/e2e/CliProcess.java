package org.multiserver.tor.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code multiserver} command ({@code org.multiserver.cli.Main}) in a JVM of its own, on this module's test
 * class path, as a user runs it; with the environment given (tor's ports), and stdin kept open until
 * {@link #endInput}: over tor the end of stdin ends the whole connection, so a test reads the echo first.
 */
final class CliProcess implements AutoCloseable {
    private final Process process;
    private final BufferedReader stdout;
    private final CompletableFuture<String> stderr;

    private CliProcess(Process process) {
        this.process = process;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderr = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    static CliProcess start(Path home, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-cp", System.getProperty("java.class.path"), "org.multiserver.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("MULTISERVER_")); // only what the test gives
        pb.environment().putAll(env);
        return new CliProcess(pb.start());
    }

    /** The next line on stdout; fails with stderr's content if none comes within {@code timeout}. */
    String readLine(Duration timeout) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return stdout.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String l = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (l == null) {
                throw new AssertionError("the command ended its output; exit " + exitCode(Duration.ofSeconds(10))
                        + ", stderr: " + stderr());
            }
            return l;
        } catch (TimeoutException e) {
            close();
            throw new AssertionError("no line on stdout within " + timeout.toSeconds() + " s; stderr: " + stderr());
        }
    }

    CliProcess write(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
        return this;
    }

    void endInput() throws IOException {
        process.getOutputStream().close();
    }

    int exitCode(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError("the command did not end within " + timeout.toSeconds() + " s; stderr: "
                    + stderr());
        }
        return process.exitValue();
    }

    /** What the command wrote to stderr (logs, errors), once it ended. */
    String stderr() {
        try {
            return stderr.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "(stderr unavailable: " + e + ")";
        }
    }

    /** SIGTERM (the command's shutdown hook closes its MultiServer, which removes its onion service), then KILL. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
