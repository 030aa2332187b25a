package org.multiserver.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The multiserver command in a process of its own, on the test class path, as a user runs it. */
final class CliProcess implements AutoCloseable {
    final Process process;
    final CompletableFuture<String> stderr;
    private final BufferedReader stdout;

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
    static CliProcess start(Path home, String... args) throws IOException {
        return startWithClassPath(System.getProperty("java.class.path"), home, args);
    }

    /** The command on another class path, such as the test class path without a plugin. */
    static CliProcess startWithClassPath(String classPath, Path home, String... args) throws IOException {
        return start(classPath, home, home, args);
    }

    /**
     * The command with {@code $HOME} set to {@code envHome} (or removed when null) and the JVM's {@code user.home}
     * (the passwd home, on Unix) to {@code userHome}.
     */
    static CliProcess start(String classPath, Path envHome, Path userHome, String... args) throws IOException {
        return start(null, classPath, envHome, userHome, args);
    }

    /** {@link #start(String, Path, Path, String...)} run under {@code wrapper} (such as strace and its options). */
    static CliProcess start(List<String> wrapper, String classPath, Path envHome, Path userHome, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(wrapper == null ? List.of() : wrapper);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + userHome, "-cp", classPath, Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        if (envHome == null) {
            pb.environment().remove("HOME");
        } else {
            pb.environment().put("HOME", envHome.toString());
        }
        return new CliProcess(pb.start());
    }

    /** The next line on stdout, or null at its end. */
    String readLine() throws IOException {
        return stdout.readLine();
    }

    /** Writes {@code input} to stdin and closes it. */
    CliProcess input(byte[] input) throws IOException {
        process.getOutputStream().write(input);
        process.getOutputStream().close();
        return this;
    }

    /** Everything left on stdout, once the process ended. */
    String rest() throws IOException {
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = stdout.readLine()) != null) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    int exitCode() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the command did not end within 30 s");
        }
        return process.exitValue();
    }

    /**
     * SIGTERM, as Ctrl-C or a service manager stops it, keeping our ends of its streams open (unlike
     * {@link Process#destroy()}, which closes them) so that what it wrote while stopping can still be read; then
     * waits for it to end.
     */
    CliProcess terminate() throws InterruptedException {
        process.toHandle().destroy();
        exitCode();
        return this;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the shutdown hook closes everything
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
