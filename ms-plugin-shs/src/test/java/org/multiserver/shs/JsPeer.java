package org.multiserver.shs;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real JS peer from interop/js, run by the installed {@code node} as a separate process. Its stdout carries one
 * JSON event per line; stderr is kept for failure messages. Missing node or node_modules fails the test loudly:
 * these tests are the only proof that we speak the same protocol as the reference, so they must never skip.
 */
final class JsPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EOF = "\u0000eof";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<JsonNode> events = new ArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private final StringBuffer rawStdout = new StringBuffer();
    private final java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(2);
    private boolean ended;

    private JsPeer(Process process) {
        this.process = process;
        Thread out = new Thread(() -> pump(process.inputReader(StandardCharsets.UTF_8), true), "js-stdout");
        Thread err = new Thread(() -> pump(process.errorReader(StandardCharsets.UTF_8), false), "js-stderr");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    /** Starts {@code node <script> <args>} in interop/js. */
    static JsPeer start(String script, String... args) throws IOException {
        Path dir = interopDir();
        List<String> command = new ArrayList<>();
        command.add(node());
        command.add(dir.resolve(script).toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().remove("DEBUG"); // the debug module would write to stderr
        return new JsPeer(builder.start());
    }

    /** Writes {@code data} to the peer's stdin and closes it. */
    void stdinAndClose(byte[] data) throws IOException {
        process.getOutputStream().write(data);
        process.getOutputStream().close();
    }

    static Path interopDir() {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../interop/js").normalize();
        if (!Files.isRegularFile(dir.resolve("package.json"))) {
            fail("interop/js not found at " + dir + " (tests run from the ms-plugin-shs module directory)");
        }
        if (!Files.isDirectory(dir.resolve("node_modules/secret-handshake"))) {
            fail("interop/js/node_modules is missing: run `npm ci` in " + dir + " (.ci/run does this before the"
                    + " build); the interop tests need the real JS peers and do not skip");
        }
        return dir;
    }

    static String node() {
        try {
            Process which = new ProcessBuilder("which", "node").redirectErrorStream(true).start();
            String path = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (which.waitFor() == 0 && !path.isEmpty()) {
                return path;
            }
        } catch (IOException e) {
            // no `which`: report as node missing below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fail("node is not on the PATH: the JS interop tests need Node.js 18 or later (Debian: apt-get"
                + " install nodejs npm); they fail rather than skip so CI cannot pass without them");
    }

    private void pump(BufferedReader reader, boolean isStdout) {
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (isStdout) {
                    rawStdout.append(line).append('\n');
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

    /** The next event called {@code name}, or earlier if already seen; fails if the process ends first. */
    JsonNode awaitEvent(String name, Duration timeout) throws InterruptedException {
        for (JsonNode seen : events) {
            if (name.equals(seen.path("event").asText())) {
                events.remove(seen);
                return seen;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = ended ? null : lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(EOF)) {
                ended |= line != null;
                return fail("JS peer gave no '" + name + "' event " + (ended ? "before it exited" : "in time")
                        + "\nstdout:\n" + rawStdout + "stderr:\n" + stderr);
            }
            JsonNode event;
            try {
                event = JSON.readTree(line);
            } catch (IOException e) {
                continue; // not an event (stdio mode output)
            }
            if (name.equals(event.path("event").asText())) {
                return event;
            }
            events.add(event);
        }
    }

    /** The exit code, waiting at most {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("JS peer still running after " + timeout + "\nstdout:\n" + rawStdout + "stderr:\n" + stderr);
        }
        // Let the pumps read what the process wrote before it exited.
        drained.await(5, TimeUnit.SECONDS);
        return process.exitValue();
    }

    String stdout() {
        return rawStdout.toString();
    }

    String stderr() {
        return stderr.toString();
    }

    /** Ends the process we started (and only it). */
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
