package org.multiserver.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * unix~shs against the JS reference's own unix-socket plugin (multiserver 3.8.2 from interop/js), run by the
 * installed node as a separate process, both ways; and a socket file a killed JS server left behind.
 */
@Timeout(60)
class MultiServerUnixJsTest {
    private static final int BYTES = 200_000;

    @TempDir
    Path dir;

    private final List<MultiServer> servers = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        servers.forEach(MultiServer::close);
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aJsClientReachesAJavaServer() throws Exception {
        MultiServer server = MultiServer.builder().listen("unix:" + dir.resolve("java.sock") + "~shs").build();
        servers.add(server);
        String address = server.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);

        Process client = node("client", address, Integer.toString(BYTES));
        String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(client.exitValue()).as("JS client exit code; stderr: %s", stderr(client)).isZero();
        assertThat(out).contains("{\"event\":\"done\",\"received\":" + BYTES + "}");
    }

    @Test
    void aJavaClientReachesAJsServerAndTakesItsSocketOverWhenItDies() throws Exception {
        Path jsDir = Files.createDirectory(dir.resolve("js"));
        Process server = node("server", jsDir.toString());
        BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8));
        String first = CompletableFuture.supplyAsync(() -> {
            try {
                return lines.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(20, TimeUnit.SECONDS);
        if (first == null) {
            fail("the JS server printed nothing; stderr: " + stderr(server));
        }
        String address = first.replaceAll(".*\"address\":\"([^\"]+)\".*", "$1");
        assertThat(address).startsWith("unix:" + jsDir.resolve("socket") + "~shs:");

        MultiServer client = MultiServer.builder().listen("unix~shs").build();
        servers.add(client);
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        byte[] data = MultiServerUnixTest.random(BYTES, 5);
        MultiServerUnixTest.assertSameBytes(MultiServerUnixTest.roundTrip(c, data), data);

        // Killed, node leaves its socket file behind: a stale socket a Java server takes over.
        server.destroy();
        assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.exists(jsDir.resolve("socket"))).isTrue();
        MultiServer successor = MultiServer.builder().listen("unix:" + jsDir.resolve("socket") + "~shs").build();
        servers.add(successor);
        String taken = successor.listen(MultiServerUnixTest::echo).get(10, TimeUnit.SECONDS)
                .stringify(Scope.DEVICE);
        Connection again = client.connect(taken).get(10, TimeUnit.SECONDS);
        assertThat(MultiServerUnixTest.roundTrip(again, new byte[] {7})).containsExactly(7);
    }

    /** Starts {@code node unix-peer.js <args>} with the pinned JS modules of interop/js. */
    private Process node(String... args) throws IOException {
        Path module = Path.of(System.getProperty("user.dir"));
        Path modules = module.resolve("../interop/js/node_modules").normalize();
        if (!Files.isDirectory(modules.resolve("multiserver"))) {
            fail("interop/js/node_modules is missing: run `npm ci` in " + modules.getParent());
        }
        List<String> command = new ArrayList<>(List.of("node", module.resolve("src/test/js/unix-peer.js").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE);
        builder.environment().put("NODE_PATH", modules.toString());
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    private static String stderr(Process p) {
        try {
            return p.isAlive() ? "(still running)" : new String(p.getErrorStream().readAllBytes(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
