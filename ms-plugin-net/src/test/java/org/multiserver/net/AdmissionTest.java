package org.multiserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.address.Section;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Layer;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/** The handshake-in-flight limit cannot be eaten by a transform that never completes its future. */
@Timeout(60)
class AdmissionTest {

    /** A broken third-party transform: its server side never completes, and it never closes the channel either. */
    static final class NeverCompletes implements TransformProvider {
        @Override
        public String name() {
            return "never";
        }

        @Override
        public Transform create(PluginContext context) {
            return new Transform() {
                @Override
                public String name() {
                    return "never";
                }

                @Override
                public Optional<Target> parse(Section section) {
                    return Optional.empty();
                }

                @Override
                public CompletableFuture<Layer> wrapServer(Channel channel) {
                    return new CompletableFuture<>();
                }

                @Override
                public Optional<Section> stringify(Scope scope) {
                    return Optional.of(Section.of("never"));
                }
            };
        }
    }

    @Test
    void slotsOfClosedHandshakesAreFreed_evenWhenTheTransformNeverCompletes() throws Exception {
        CopyOnWriteArrayList<String> errors = new CopyOnWriteArrayList<>();
        try (MultiServer server = MultiServer.builder().plugin(new NeverCompletes()).maxHandshakesInFlight(2)
                .onServerError((peer, stack, error) -> errors.add(stack + ": " + error.getMessage()))
                .listen("net:127.0.0.1:0~never").listen("net:127.0.0.1:0").build()) {
            String[] address = server.listen(connection -> {
                try (InputStream in = connection.input(); OutputStream out = connection.output()) {
                    in.transferTo(out);
                } catch (java.io.IOException e) {
                    // peer went away
                }
            }).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE).split(";");
            int neverPort = port(address[0]);
            for (int i = 0; i < 5; i++) { // more than the limit, one after another
                int n = i + 1;
                try (Socket stuck = new Socket("127.0.0.1", neverPort)) {
                    awaitTrue(() -> server.openConnections() == 1, "connection " + n + " accepted");
                    stuck.setSoLinger(true, 0); // a reset: the server's channel closes, the transform never knows
                }
                awaitTrue(() -> server.openConnections() == 0, "connection " + n + " closed by the server");
            }
            assertThat(errors).as("no connection was refused for the limit: %s", errors).noneMatch(e -> e.contains("refused"));
            try (MultiServer client = MultiServer.builder().listen("net").build()) {
                Connection plain = client.connect(address[1]).get(10, TimeUnit.SECONDS);
                plain.output().write(new byte[] {42});
                plain.output().close();
                assertThat(plain.input().readAllBytes()).containsExactly(42);
            }
            assertThat(errors).noneMatch(e -> e.contains("refused"));
        }
    }

    private static int port(String address) {
        String transport = address.split("~")[0];
        return Integer.parseInt(transport.substring(transport.lastIndexOf(':') + 1));
    }

    /** Polls a condition the server exposes no future for; bounded, with a short park between looks. */
    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": did not happen within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
