package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/** Many clients at once, the server's limits, and many idle connections held by one net~shs server. */
@Timeout(300)
class LoadTest {
    private MultiServer server;
    private MultiServer client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * {@code reliability.clients} (2,000) clients dial one net~shs server at once. Every one either completes the
     * handshake and echoes, or fails with a clear error; the server's handshake-limit refusals reach onServerError
     * with their reason, and the numbers add up. Nothing hangs: every future ends within the bound.
     */
    @ParameterizedTest(name = "handshake limit {0}")
    @ValueSource(ints = {MultiServer.DEFAULT_MAX_HANDSHAKES, 32})
    void thousandsOfClientsAtOnce_allCompleteOrAreRefusedClearly(int handshakeLimit) throws Exception {
        int clients = Rel.intProperty("reliability.clients", 2000);
        Rel.ServerErrors errors = new Rel.ServerErrors();
        server = MultiServer.builder().listen("net:127.0.0.1:0~shs").onServerError(errors)
                .maxHandshakesInFlight(handshakeLimit).handshakeTimeout(Duration.ofSeconds(60)).build();
        String address = server.listen(Rel::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        client = MultiServer.builder().listen("net~shs").handshakeTimeout(Duration.ofSeconds(60))
                .connectTimeout(Duration.ofSeconds(60)).build();

        long start = System.nanoTime();
        List<CompletableFuture<Connection>> dials = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            dials.add(client.connect(address));
        }
        CompletableFuture.allOf(dials.toArray(CompletableFuture[]::new)).handle((ok, e) -> null)
                .get(240, TimeUnit.SECONDS); // no hang: every dial ends
        double seconds = (System.nanoTime() - start) / 1e9;

        List<Connection> connected = new ArrayList<>();
        List<Throwable> failed = new ArrayList<>();
        for (CompletableFuture<Connection> d : dials) {
            try {
                connected.add(d.join());
            } catch (java.util.concurrent.CompletionException e) {
                failed.add(e.getCause());
            }
        }
        long refused = errors.count("refused: ");
        Figures.report("load", String.format("%d clients at once: %d connected, %d failed, %d refused by the"
                        + " handshake limit (%d), %d other server errors, in %.2f s = %.0f handshakes/s",
                clients, connected.size(), failed.size(), refused, handshakeLimit,
                errors.all.size() - refused, seconds, connected.size() / seconds));

        assertThat(connected.size() + failed.size()).isEqualTo(clients);
        assertThat(connected).as("clients get through").hasSizeGreaterThan(handshakeLimit);
        // Every server-side failure is a refusal at the handshake limit, with the limit in its reason.
        assertThat(errors.all).allSatisfy(e -> assertThat(e.message())
                .isEqualTo("refused: " + handshakeLimit + " handshakes are in flight (the limit)"));
        assertThat(failed).as("each refused client is one server refusal").hasSize((int) refused);
        // The client's error says what happened: the server hung up before its challenge.
        assertThat(failed).allSatisfy(e -> assertThat(e.getMessage())
                .contains("could not connect to")
                .contains("shs: the server hung up instead of sending its challenge (message 2)"));

        // Every connection that got through works, and the server counts them.
        assertThat(server.openConnections()).isEqualTo(connected.size());
        for (int i = 0; i < connected.size(); i++) {
            byte[] data = ("client " + i).getBytes(StandardCharsets.US_ASCII);
            assertThat(Rel.roundTrip(connected.get(i), data)).isEqualTo(data);
        }
        assertThat(Rel.await(Duration.ofSeconds(30), () -> server.openConnections() == 0))
                .as("the server freed every connection; still open: %s", server.openConnections()).isTrue();
    }

    /** The limits refuse deterministically: silent raw peers fill the handshake slots, the next one is refused. */
    @Test
    void limits_refuseTheNextPeerWithTheirReason_andFreeTheSlotAfterwards() throws Exception {
        Rel.ServerErrors errors = new Rel.ServerErrors();
        server = MultiServer.builder().listen("net:127.0.0.1:0~shs").onServerError(errors)
                .maxHandshakesInFlight(4).maxConnections(6).handshakeTimeout(Duration.ofSeconds(30)).build();
        String address = server.listen(Rel::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        client = MultiServer.builder().listen("net~shs").build();

        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                silent.add(Rel.raw(address, Duration.ofSeconds(10)));
            }
            assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 4)).isTrue();
            try (Socket fifth = Rel.raw(address, Duration.ofSeconds(10))) {
                assertThat(Rel.readUntilClosed(fifth)).as("refused without a byte").isEmpty();
            }
            assertThat(Rel.await(Duration.ofSeconds(10), () -> errors.all.size() == 1)).isTrue();
            assertThat(errors.all.get(0).message()).isEqualTo("refused: 4 handshakes are in flight (the limit)");
            assertThat(errors.all.get(0).stack()).isEqualTo("net~shs");

            // A slot frees when a silent peer leaves; an honest client gets it.
            Rel.reset(silent.remove(0));
            assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 3)).isTrue();
            assertThat(Rel.await(Duration.ofSeconds(10), () -> errors.all.size() == 2)).isTrue();
            assertThat(errors.all.get(1).message()).startsWith("shs: the client hung up");
            Connection a = client.connect(address).get(10, TimeUnit.SECONDS);
            Rel.ping(a); // the server's handler runs: its handshake is counted as done
            assertThat(server.openConnections()).isEqualTo(4);
            // 3 handshaking + 1 established: handshakes are below the limit, so one more honest client fits...
            Connection b = client.connect(address).get(10, TimeUnit.SECONDS);
            Rel.ping(b);
            assertThat(server.openConnections()).isEqualTo(5);
            // ...and one more raw peer makes 6 open: the connection limit refuses the next.
            silent.add(Rel.raw(address, Duration.ofSeconds(10))); // the 6th (a 4th handshake)
            assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 6)).isTrue();
            try (Socket seventh = Rel.raw(address, Duration.ofSeconds(10))) {
                assertThat(Rel.readUntilClosed(seventh)).isEmpty();
            }
            assertThat(Rel.await(Duration.ofSeconds(10), () -> errors.all.size() == 3)).isTrue();
            assertThat(errors.all.get(2).message()).isEqualTo("refused: 6 connections are open (the limit)");
            assertThat(Rel.roundTrip(a, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
            assertThat(Rel.roundTrip(b, new byte[] {4})).containsExactly(4);
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
        assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 0)).isTrue();
    }

    /**
     * {@code reliability.idleConnections} (10,000 by default) established net~shs connections held at once by one
     * server. The client ends live in a child process ({@link IdleClients}), so this JVM's heap and descriptors are
     * the server's alone, and the server echoes on the event loop ({@link Rel#attachEcho}), so no handler thread
     * is parked per connection: the heap per idle server connection is the platform's own (net, shs, the core), and
     * is measured and reported. A sample still echoes afterwards; closing the clients frees every server connection.
     */
    @Test
    void tenThousandIdleConnections_areHeld_andTheServersHeapPerConnectionIsMeasured() throws Exception {
        int wanted = Rel.intProperty("reliability.idleConnections", 10_000);
        long limit = Rel.fdLimit();
        int fdsNow = Rel.openFds();
        assumeThat(limit < 0 || wanted + fdsNow + 256 <= limit)
                .as("%d idle connections need %d file descriptors in the server's JVM, the limit is %d;"
                        + " raise `ulimit -n` or lower -Dreliability.idleConnections", wanted,
                        wanted + fdsNow + 256, limit)
                .isTrue();

        server = MultiServer.builder().listen("net:127.0.0.1:0~shs").maxConnections(wanted + 16).build();
        String address = server.listen(Rel::attachEcho).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        // Warm up the server's side (classes, pools) with one connection from this JVM, then measure.
        client = MultiServer.builder().listen("net~shs").build();
        Rel.roundTrip(client.connect(address).get(10, TimeUnit.SECONDS), new byte[] {1});
        client.close();
        client = null;
        assertThat(Rel.await(Duration.ofSeconds(10), () -> server.openConnections() == 0)).isTrue();
        long heapBefore = Rel.usedHeapAfterGc();
        long residentBefore = Rel.residentBytes();
        int fdsBefore = Rel.openFds();

        try (ChildProcess clients = ChildProcess.java(IdleClients.class, "-Xmx1g", address, String.valueOf(wanted))) {
            String opened = clients.readLine(Duration.ofSeconds(240));
            assertThat(opened).as("the client process's report").startsWith("opened " + wanted + " ");
            assertThat(Rel.await(Duration.ofSeconds(30), () -> server.openConnections() == wanted))
                    .as("the server holds every connection; it has %s", server.openConnections()).isTrue();
            long heapAfter = Rel.usedHeapAfterGc();
            long residentAfter = Rel.residentBytes();
            int fdsAfter = Rel.openFds();
            long perConnection = (heapAfter - heapBefore) / wanted;
            Figures.report("idle", String.format("%d idle net~shs connections held by one server (clients in a"
                            + " child process, opened in %s s, echo on the event loop); server heap %d MiB -> %d MiB"
                            + " after GC = %d bytes per idle server connection; resident memory %d MiB -> %d MiB (heap"
                            + " growth, native buffers and all: %d bytes per connection); server fds %d -> %d (%.2f"
                            + " per connection); fd limit %d",
                    wanted, opened.split(" ")[2], heapBefore >> 20, heapAfter >> 20, perConnection,
                    residentBefore >> 20, residentAfter >> 20, (residentAfter - residentBefore) / wanted, fdsBefore,
                    fdsAfter, (fdsAfter - fdsBefore) / (double) wanted, limit));

            // Still alive after being held: a sample spread over all of them echoes.
            clients.println("echo");
            assertThat(clients.readLine(Duration.ofSeconds(120))).matches("echoed [1-9][0-9]*");
            assertThat(perConnection).as("heap per idle server connection").isLessThan(16 * 1024);
            clients.closeInput(); // the child aborts its connections and exits
            assertThat(clients.exitCode(Duration.ofSeconds(60))).isZero();
        }
        assertThat(Rel.await(Duration.ofSeconds(60), () -> server.openConnections() == 0))
                .as("the server freed every connection; still open: %s", server.openConnections()).isTrue();
        assertThat(Rel.await(Duration.ofSeconds(10), () -> Rel.openFds() <= fdsBefore + 4))
                .as("server fds back to %d, now %d", fdsBefore, Rel.openFds()).isTrue();
    }
}
