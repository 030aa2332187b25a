package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.multiserver.core.Connection;

/** Byte-stream helpers for the tests: WebSockets have no half-close, so exchanges read a known length. */
final class Streams {
    private Streams() {
    }

    /** Echoes until the peer closes. */
    static void echo(Connection connection) {
        try (InputStream in = connection.input(); OutputStream out = connection.output()) {
            in.transferTo(out);
        } catch (IOException e) {
            connection.close();
        }
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** Writes {@code data} while reading the same number of bytes back, then closes. */
    static byte[] echoed(Connection connection, byte[] data) throws Exception {
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
            try {
                return connection.input().readNBytes(data.length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        connection.output().write(data);
        byte[] back = received.get(30, TimeUnit.SECONDS);
        connection.close();
        return back;
    }

    /** Compares without printing megabytes: the lengths, then the first differing index. */
    static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("length").isEqualTo(expected.length);
        assertThat(java.util.Arrays.mismatch(actual, expected)).as("first differing index").isEqualTo(-1);
    }
}
