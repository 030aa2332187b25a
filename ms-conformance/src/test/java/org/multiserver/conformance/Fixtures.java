package org.multiserver.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.testing.NodeProcess;

/** The JS suite's fixed keys and its upper-casing echo, and what every test here does with them. */
final class Fixtures {
    static final Duration WAIT = Duration.ofSeconds(30);

    /** The JS tests' {@code seed = sha256('TESTSEED')}, the server's (and, as there, the client's) key pair. */
    static final byte[] SEED = sha256("TESTSEED");
    static final ShsKeyPair KEYS = ShsKeyPair.fromSeed(SEED);
    /** Written out in plugs.js ('net: external is an array w/ a single entry & shs transform'). */
    static final String KEY = "+y42DK+BGzqvU00EWMKiyj4fITskSm+Drxq1Dt2s3Yw=";
    /** The JS tests' {@code appKey = sha256('TEST')}. */
    static final String APP_KEY = b64(sha256("TEST"));

    private Fixtures() {
    }

    /** A builder with the suite's key pair and app key, as plugs.js builds its shs. */
    static MultiServer.Builder builder() {
        return MultiServer.builder().identity(KEYS.identity()).option(ShsTransformProvider.APP_KEY, APP_KEY);
    }

    /** plugs.js's {@code echo}: every chunk back in upper case, and our end after the peer's. */
    static void upperCaseEcho(Connection c) {
        echo(c, true);
    }

    /** multi.js's {@code pull(stream, stream)}: every byte back as it came, and our end after the peer's. */
    static void echo(Connection c) {
        echo(c, false);
    }

    private static void echo(Connection c, boolean upperCase) {
        byte[] buf = new byte[8192];
        try (c) {
            InputStream in = c.input();
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (upperCase) {
                    String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
                    c.output().write(text.getBytes(StandardCharsets.ISO_8859_1));
                } else {
                    c.output().write(buf, 0, n);
                }
            }
            c.shutdownOutput();
        } catch (IOException e) {
            // the peer went away: nothing left to echo
        }
    }

    /** Writes {@code text} and reads as many bytes back, then closes. */
    static String exchange(Connection c, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        c.output().write(sent);
        byte[] back = c.input().readNBytes(sent.length);
        c.close();
        return new String(back, StandardCharsets.UTF_8);
    }

    /** The JS echo server (interop/js/echo-server.js) on {@code transport~shs} with the suite's keys. */
    static NodeProcess jsEchoServer(String transport) throws IOException {
        return NodeProcess.start("js", "echo-server.js", "--transport", transport, "--seed", b64(SEED),
                "--app-key", APP_KEY);
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** The failure of {@code future}, which must fail within the wait. */
    static Throwable failure(CompletableFuture<?> future) throws InterruptedException, TimeoutException {
        try {
            Object value = future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    /** The messages of {@code error} and its causes, for assertions on what a user reads. */
    static String messages(Throwable error) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    /** The port of a {@code net:HOST:PORT} or {@code ws://HOST:PORT} address (its first alternative). */
    static int port(String address) {
        String transport = address.split("[~;]")[0];
        // JS prints ws://HOST:PORT/ (a path of its own)
        return Integer.parseInt(transport.substring(transport.lastIndexOf(':') + 1).replaceFirst("/.*", ""));
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static void assertKeyIsTheSuites() {
        assertThat(KEYS.publicKeyBase64()).as("sha256('TESTSEED') as an Ed25519 seed, as chloride does").isEqualTo(KEY);
    }
}
