package org.multiserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * Closing a MultiServer while its handlers still end their connections is quiet: ending or closing a connection whose
 * event loop is gone returns a failed future instead of a Netty listener refused by a terminated executor (logged as
 * {@code RejectedExecutionException: event executor terminated}, the README snippet's stack trace).
 */
@Timeout(60)
class QuietCloseTest {

    @Test
    void endingConnectionsAfterTheirMultiServerClosedLogsNothingAndThrowsNothing() throws Exception {
        CountDownLatch serverClosed = new CountDownLatch(1);
        CompletableFuture<Throwable> afterClose = new CompletableFuture<>();
        MultiServer server = MultiServer.builder().listen("net:127.0.0.1:0").build();
        CountDownLatch accepted = new CountDownLatch(1);
        String address = server.listen(connection -> {
            accepted.countDown();
            try {
                try {
                    serverClosed.await();
                } catch (InterruptedException closing) {
                    // close() interrupts the handlers, as it does a README echo blocked in transferTo
                    serverClosed.await(10, TimeUnit.SECONDS);
                }
                // What the README's echo handler does when its try-with-resources ends.
                OutputStream out = connection.output();
                out.close();
                connection.close();
                afterClose.complete(connection.shutdownOutput().handle((ok, error) -> error).join());
            } catch (Throwable e) {
                afterClose.completeExceptionally(e);
            }
        }).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);

        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        try (MultiServer client = MultiServer.builder().listen("net").build()) {
            Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
            assertThat(accepted.await(10, TimeUnit.SECONDS)).isTrue();
            System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
            server.close();
            serverClosed.countDown();
            Throwable ending = afterClose.get(10, TimeUnit.SECONDS);
            assertThat(ending).as("ending a connection of a closed server").isNotNull()
                    .hasMessageContaining("connection closed");
            assertThat(c.input().read()).as("the client sees the server gone").isEqualTo(-1);
        } finally {
            System.setErr(stderr);
        }
        assertThat(logged.toString(StandardCharsets.UTF_8)).as("what was logged").doesNotContain("Exception")
                .doesNotContain("ERROR");
    }
}
