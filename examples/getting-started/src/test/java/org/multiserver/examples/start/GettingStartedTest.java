package org.multiserver.examples.start;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.address.Address;
import org.multiserver.address.MultiAddress;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * The three programs as a user runs them: each in its own JVM, on this project's class path (ms-all and what it
 * brings, nothing else), on loopback.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GettingStartedTest {
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void readmeSnippetEchoes() throws Exception {
        Result result = run(ReadmeSnippet.class);
        assertEquals(0, result.exitCode, result.stderr);
        assertEquals("hello" + System.lineSeparator(), result.stdout);
        assertFalse(result.stderr.contains("Exception"), result.stderr);
    }

    @Test
    void twoProtocolsPrintOneKeyAndTheStacklessClientDialsEach() throws Exception {
        Process server = start(TwoProtocols.class);
        BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String printed = lines.readLine();
        MultiAddress address = MultiAddress.parse(printed);

        List<Address> alternatives = address.alternatives();
        assertEquals(List.of(List.of("net", "shs"), List.of("ws", "shs")),
                alternatives.stream().map(Address::names).toList(), printed);
        String key = shsKey(alternatives.get(0));
        assertEquals(key, shsKey(alternatives.get(1)), "one identity for both stacks: " + printed);

        for (Address alternative : alternatives) {
            String message = "over " + alternative.transport().name();
            Result client = run(StacklessClient.class, alternative.toString(), message);
            assertEquals(0, client.exitCode, client.stderr);
            List<String> out = client.stdout.lines().toList();
            assertEquals(message, out.get(0), client.stdout);
            assertTrue(out.get(1).endsWith("server key " + key), client.stdout);
        }

        server.getOutputStream().close(); // its standard input ends: it closes and exits
        assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server exits when its input ends");
        assertEquals(0, server.exitValue());
    }

    @Test
    void theStacklessClientSaysWhyItCannotDial() throws Exception {
        Result client = run(StacklessClient.class, "gopher:127.0.0.1:1~shs:AAAA");
        assertEquals(1, client.exitCode, client.stdout);
        assertTrue(client.stderr.contains("no plugin for gopher"), client.stderr);
        assertFalse(client.stderr.contains("\tat "), "no stack trace: " + client.stderr);
    }

    /** ms-core's native epoll is optional: ms-all does not bring it, and asking for it falls back to NIO. */
    @Test
    void nativeEpollIsNotForcedOnUsers() throws Exception {
        assertNull(getClass().getClassLoader().getResource("META-INF/native/libnetty_transport_native_epoll_x86_64.so"),
                "the native epoll jar is on the class path");
        try (MultiServer ms = MultiServer.builder().preferNativeTransport(true).listen("net:127.0.0.1:0~shs").build()) {
            assertFalse(ms.nativeTransport());
            MultiServer.Listening server = ms.listen(TwoProtocols::echo).join();
            Result client = run(StacklessClient.class, server.stringify(Scope.DEVICE), "over NIO");
            assertEquals("over NIO", client.stdout.lines().findFirst().orElse(""), client.stderr);
        }
    }

    private static String shsKey(Address alternative) {
        return alternative.sections().get(1).data().get(0);
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private Result run(Class<?> main, String... args) throws Exception {
        Process process = start(main, args);
        process.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), main.getSimpleName() + " did not exit");
        return new Result(process.exitValue(), out.join(), err.join());
    }

    private Process start(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        started.add(process);
        return process;
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
