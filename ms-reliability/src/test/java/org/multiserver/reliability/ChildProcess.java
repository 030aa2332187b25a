package org.multiserver.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A JVM running a test class's main on this test's class path, talked to by lines; killed on close. */
final class ChildProcess implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final PrintStream in;
    private final Path stderr;

    private ChildProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.US_ASCII);
    }

    /** Starts {@code main} with one JVM option (a heap size, say) and the given arguments. */
    static ChildProcess java(Class<?> main, String jvmOption, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), jvmOption,
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Path stderr = Files.createDirectories(Path.of("target")).resolve(main.getSimpleName() + "-stderr.log");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        return new ChildProcess(process, stderr);
    }

    /** The next line the child prints; fails (with its stderr) when none comes in time or it exits first. */
    String readLine(Duration timeout) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String result = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (result == null) {
                throw new AssertionError("the child process ended without a line; its stderr: " + stderrTail());
            }
            return result;
        } catch (TimeoutException e) {
            throw new AssertionError("no line from the child process within " + timeout + "; its stderr: "
                    + stderrTail());
        }
    }

    void println(String line) {
        in.println(line);
    }

    void closeInput() {
        in.close();
    }

    int exitCode(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the child process did not exit within " + timeout);
        }
        return process.exitValue();
    }

    private String stderrTail() {
        try {
            String text = Files.readString(stderr);
            return text.length() > 2000 ? "..." + text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
