package org.multiserver.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real JS program from {@code interop/<project>} (a peer from {@code interop/js}, the browser runner from
 * {@code interop/browser}), run by the installed {@code node} as a separate process. Its stdout carries one JSON
 * object per line; stderr is kept for failure messages. A missing node or node_modules fails the test with what to
 * install: these tests are the proof that we interoperate with the reference, so they never skip.
 *
 * <pre>{@code
 * try (NodeProcess js = NodeProcess.start("js", "echo-server.js", "--transport", "ws")) {
 *     String address = js.await("listening", Duration.ofSeconds(30)).path("address").asText();
 *     ...
 * }   // close() ends the process
 * }</pre>
 */
public final class NodeProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EOF = "\u0000eof";

    private final String name;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<JsonNode> unclaimed = new ArrayList<>();
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final CountDownLatch drained = new CountDownLatch(2);
    private boolean ended;

    private NodeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread out = new Thread(() -> pump(process.inputReader(StandardCharsets.UTF_8), true), name + "-stdout");
        Thread err = new Thread(() -> pump(process.errorReader(StandardCharsets.UTF_8), false), name + "-stderr");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    /** Starts {@code node <script> <args>} in {@code interop/<project>}, after checking node and node_modules. */
    public static NodeProcess start(String project, String script, String... args) throws IOException {
        return start(project, Map.of(), script, args);
    }

    /** Like {@link #start(String, String, String...)}, with more environment variables. */
    public static NodeProcess start(String project, Map<String, String> env, String script, String... args)
            throws IOException {
        Path dir = project(project);
        List<String> command = new ArrayList<>();
        command.add(node());
        command.add(dir.resolve(script).toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().remove("DEBUG"); // the debug module would write to stderr
        builder.environment().putAll(env);
        return new NodeProcess(script, builder.start());
    }

    /**
     * {@code interop/<project>} of this repository (found from the working directory upwards, so any module's tests
     * can use it), with every dependency of its package.json installed; fails the test with what to run otherwise.
     */
    public static Path project(String project) {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path dir = null;
        for (Path at = start; at != null && dir == null; at = at.getParent()) {
            Path candidate = at.resolve("interop").resolve(project);
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                dir = candidate;
            }
        }
        if (dir == null) {
            return fail("interop/" + project + "/package.json not found in " + start + " or a folder above it");
        }
        List<String> missing = new ArrayList<>();
        try {
            JsonNode dependencies = JSON.readTree(dir.resolve("package.json").toFile()).path("dependencies");
            for (Iterator<String> it = dependencies.fieldNames(); it.hasNext(); ) {
                String dependency = it.next();
                if (!Files.isDirectory(dir.resolve("node_modules").resolve(dependency))) {
                    missing.add(dependency);
                }
            }
        } catch (IOException e) {
            return fail("cannot read " + dir.resolve("package.json") + ": " + e.getMessage());
        }
        if (!missing.isEmpty()) {
            fail("interop/" + project + "/node_modules lacks " + String.join(", ", missing) + ": run `npm ci` in "
                    + dir + " (.ci/run does this before the build); the interop tests need the real JS peers and"
                    + " fail rather than skip");
        }
        return dir;
    }

    private static String node() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "node");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return fail("node is not on the PATH: the JS and browser interop tests need Node.js 20 or later (Debian:"
                + " apt-get install nodejs npm); they fail rather than skip so CI cannot pass without them");
    }

    private void pump(BufferedReader reader, boolean isStdout) {
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (isStdout) {
                    stdout.append(line).append('\n');
                    lines.add(line);
                } else {
                    stderr.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // the process went away; the EOF marker says so
        } finally {
            if (isStdout) {
                lines.add(EOF);
            }
            drained.countDown();
        }
    }

    /**
     * The next JSON line whose {@code event} field is {@code event} (null: any JSON line), including one that came
     * while waiting for another; fails the test if none comes within {@code timeout} or the process ends first.
     */
    public JsonNode await(String event, Duration timeout) throws InterruptedException {
        for (Iterator<JsonNode> it = unclaimed.iterator(); it.hasNext(); ) {
            JsonNode seen = it.next();
            if (event == null || event.equals(seen.path("event").asText())) {
                it.remove();
                return seen;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = ended ? null : lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(EOF)) {
                ended |= line != null;
                return fail(name + " gave no " + (event == null ? "report" : "'" + event + "' event")
                        + (ended ? " before it exited" : " within " + timeout.toSeconds() + " s") + "\n" + output());
            }
            JsonNode json;
            try {
                json = JSON.readTree(line);
            } catch (IOException e) {
                continue; // not JSON (a --stdio peer's data)
            }
            if (event == null || event.equals(json.path("event").asText())) {
                return json;
            }
            unclaimed.add(json);
        }
    }

    /** Writes {@code data} to the process's stdin and closes it. */
    public void stdinAndClose(byte[] data) throws IOException {
        process.getOutputStream().write(data);
        process.getOutputStream().close();
    }

    /** The exit code, after everything the process wrote was read; fails the test if it runs past {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " still running after " + timeout.toSeconds() + " s\n" + output());
        }
        drained.await(5, TimeUnit.SECONDS);
        return process.exitValue();
    }

    /** Everything read from stdout so far. */
    public String stdout() {
        return stdout.toString();
    }

    /** Everything read from stderr so far. */
    public String stderr() {
        return stderr.toString();
    }

    /** stdout and stderr, labelled, for failure messages. */
    public String output() {
        return "stdout:\n" + stdout + "stderr:\n" + stderr;
    }

    /** Ends the process this object started (and only it). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
