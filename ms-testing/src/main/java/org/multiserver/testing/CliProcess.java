package org.multiserver.testing;

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
 * The {@code multiserver} command ({@code org.multiserver.cli.Main}) in a JVM of its own, as a user runs it: on the
 * test class path (or another one), with its home directory and environment given. Inherited {@code MULTISERVER_*}
 * variables are removed, so only what a test gives reaches the command. Stdin stays open until
 * {@link #endInput()} or {@link #input(byte[])}: over tor the end of stdin ends the whole connection.
 */
public final class CliProcess implements AutoCloseable {
    private static final String MAIN = "org.multiserver.cli.Main";
    private static final Duration STDERR_WAIT = Duration.ofSeconds(30);

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

    /** The command with {@code home} as its home directory: {@code $HOME} and {@code user.home} both. */
    public static CliProcess start(Path home, String... args) throws IOException {
        return startWithClassPath(System.getProperty("java.class.path"), home, args);
    }

    /** {@link #start(Path, String...)} with environment variables added (such as tor's ports). */
    public static CliProcess start(Path home, Map<String, String> env, String... args) throws IOException {
        return start(null, System.getProperty("java.class.path"), home, home, env, args);
    }

    /** The command on another class path, such as the test class path without a plugin. */
    public static CliProcess startWithClassPath(String classPath, Path home, String... args) throws IOException {
        return start(classPath, home, home, args);
    }

    /**
     * The command with {@code $HOME} set to {@code envHome} (or removed when null) and the JVM's {@code user.home}
     * (the passwd home, on Unix) to {@code userHome}.
     */
    public static CliProcess start(String classPath, Path envHome, Path userHome, String... args) throws IOException {
        return start(null, classPath, envHome, userHome, args);
    }

    /** {@link #start(String, Path, Path, String...)} run under {@code wrapper} (such as strace and its options). */
    public static CliProcess start(List<String> wrapper, String classPath, Path envHome, Path userHome,
                                   String... args) throws IOException {
        return start(wrapper, classPath, envHome, userHome, Map.of(), args);
    }

    private static CliProcess start(List<String> wrapper, String classPath, Path envHome, Path userHome,
                                    Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper == null ? List.of() : wrapper);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + userHome, "-cp", classPath, MAIN));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("MULTISERVER_"));
        if (envHome == null) {
            pb.environment().remove("HOME");
        } else {
            pb.environment().put("HOME", envHome.toString());
        }
        pb.environment().putAll(env);
        return new CliProcess(pb.start());
    }

    /** The process, for its pid. */
    public Process process() {
        return process;
    }

    /** The next line on stdout, or null at its end. */
    public String readLine() throws IOException {
        return stdout.readLine();
    }

    /** The next line on stdout; fails with stderr's content if none comes within {@code timeout} or stdout ends. */
    public String readLine(Duration timeout) throws Exception {
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

    /** Everything left on stdout, once the process ended. */
    public String rest() throws IOException {
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = stdout.readLine()) != null) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    /** Writes {@code input} to stdin and closes it. */
    public CliProcess input(byte[] input) throws IOException {
        process.getOutputStream().write(input);
        process.getOutputStream().close();
        return this;
    }

    /** Writes {@code text} to stdin, keeping it open. */
    public CliProcess write(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
        return this;
    }

    /** Closes stdin. */
    public void endInput() throws IOException {
        process.getOutputStream().close();
    }

    /** The exit code, waiting up to 30 s for the end (then killing it and failing). */
    public int exitCode() throws InterruptedException {
        return exitCode(Duration.ofSeconds(30));
    }

    /** The exit code, waiting up to {@code timeout} for the end (then killing it and failing). */
    public int exitCode(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError("the command did not end within " + timeout.toSeconds() + " s; stderr: "
                    + stderr());
        }
        return process.exitValue();
    }

    /** What the command wrote to stderr (logs, errors), once it ended; waits up to 30 s for that end. */
    public String stderr() {
        try {
            return stderr.get(STDERR_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return "(stderr unavailable: " + e + ")";
        }
    }

    /** Stderr, completed when the command has ended: {@code getNow("")} for a description that must not wait. */
    public CompletableFuture<String> stderrAtEnd() {
        return stderr;
    }

    /**
     * SIGTERM, as Ctrl-C or a service manager stops it, keeping our ends of its streams open (unlike
     * {@link Process#destroy()}, which closes them) so that what it wrote while stopping can still be read; then
     * waits for it to end.
     */
    public CliProcess terminate() throws InterruptedException {
        process.toHandle().destroy();
        exitCode();
        return this;
    }

    /** SIGTERM (the command's shutdown hook closes its MultiServer, an onion service included), then KILL. */
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
