package org.multiserver.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.Section;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;
import org.multiserver.testing.NettyLeakDetection;

/**
 * The rules every transport plugin follows, as JUnit 5 tests. Extend this class in your plugin's tests, return your
 * provider from {@link #provider()} and some malformed sections from {@link #malformedAddresses()}; every rule in
 * {@code RULES.md} then runs against your transport on loopback. Test names carry the rule id and level:
 * {@code required_T2_4_cancelDuringConnectClosesChannel}. Required rules fail; optional ones that are not met are
 * reported as skipped with the reason; rules that do not apply (see the capability hooks) are skipped too.
 *
 * <p>One event loop group per test class (NIO), owned by the kit and closed after the last rule. Each wait is
 * bounded by the kit's timeout ({@code MULTISERVER_TCK_TIMEOUT_SECONDS} or {@code -Dmultiserver.tck.timeout.seconds},
 * default 10); the class-wide {@link Timeout} is only a backstop. Netty leak detection runs at PARANOID and a leak
 * fails the rule that caused it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NettyLeakDetection.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
public abstract class TransportVerification {
    private static final int CONCURRENT_CONNECTIONS = 32;
    private static final long STALL_LIMIT = 32L * 1024 * 1024;
    private static final int SERVER_FIRST_CONNECTS = 100;
    private static final int SERVER_FIRST_BYTES = 4096;
    /** The longest a slow install in rule T3_3 waits, in nanoseconds. */
    private static final long SLOW_INSTALL_NANOS = 500_000;

    private Harness harness;
    private Transport transport;

    // ---- what a plugin author supplies ----

    /** The provider under test. */
    protected abstract TransportProvider provider();

    /**
     * Sections named after your transport that are well-formed addresses but not usable ones, such as
     * {@code net:localhost:notaport}. Each must make {@link Transport#parse} throw an
     * {@link AddressSyntaxException} pointing into the section. Return an empty list only if no such section exists;
     * rule T1_4 is then skipped.
     */
    protected abstract List<String> malformedAddresses();

    /** More sections your transport dials (they need not be reachable), checked to print back as they parse. */
    protected List<String> validAddresses() {
        return List.of();
    }

    /**
     * Adjusts the context every transport instance is created with: options, a listen spec. The kit's context
     * uses its own event loop group and serves the device scope. Keep listening on an ephemeral port.
     */
    protected PluginContext.Builder configure(PluginContext.Builder context) {
        return context;
    }

    /**
     * Capability: false for a client-only transport, whose rules that need a server are then skipped. Rules that
     * only parse still run.
     */
    protected boolean canListen() {
        return true;
    }

    // ---- lifecycle ----

    @BeforeAll
    final void startKit() {
        NettyLeakDetection.install();
        harness = new Harness(Harness.configuredTimeout());
    }

    @AfterAll
    final void stopKit() {
        if (harness != null) {
            harness.shutdown();
        }
    }

    @BeforeEach
    final void createTransport() {
        transport = provider().create(configure(harness.context()).build());
    }

    @AfterEach
    final void closeEverything() {
        harness.closeAll();
    }

    // ---- T1: the address ----

    @Test
    public final void required_T1_1_namesAgree() {
        String name = provider().name();
        assertTrue(name != null && name.matches("[a-z][a-z0-9-]+"),
                "provider name '" + name + "' is not a section name ([a-z][a-z0-9-]+)");
        assertEquals(name, transport.name(), "TransportProvider.name() and Transport.name() differ");
        assertTrue(provider().sectionNames().contains(name), "sectionNames() " + provider().sectionNames()
                + " does not contain name() '" + name + "'");
        if (canListen()) {
            Server server = listen(Setup.plain());
            for (Section printed : server.printed()) {
                assertEquals(name, printed.name(), "the listener prints a section not named '" + name + "'");
            }
        }
    }

    @Test
    public final void required_T1_2_printedAddressRoundTrips() {
        List<Section> samples = new ArrayList<>();
        if (canListen()) {
            Server server = listen(Setup.plain());
            samples.addAll(server.printed());
            assertFalse(samples.isEmpty(), "the listener prints no address for any scope it serves ("
                    + server.listener().scopes() + ")");
        }
        for (String text : validAddresses()) {
            Section parsed = section(text);
            samples.add(transport.parse(parsed).orElseThrow(() -> new AssertionError(
                    "validAddresses() lists '" + text + "' but parse says it is not this transport's")).section());
        }
        Rules.requires(!samples.isEmpty(), "client-only transport with no validAddresses() to check");
        for (Section printed : samples) {
            String text = printed.toString();
            Section reparsed = Section.parse(text);
            Transport.Endpoint endpoint = transport.parse(reparsed).orElseThrow(() -> new AssertionError(
                    "parse('" + text + "') says 'not mine' for an address this transport printed"));
            assertEquals(printed, endpoint.section(), "parse('" + text + "').section() prints '"
                    + endpoint.section() + "': printing and parsing must round-trip (parse(print(x)) equals x)");
        }
    }

    @Test
    public final void required_T1_3_foreignSectionIsNotMine() {
        String name = transport.name();
        SyntaxChecks.ignoresForeign(List.of(Section.of("tck-foreign", "127.0.0.1", "1"),
                Section.of(name + "-x", "a", "1"), Section.of("tck-foreign")), transport::parse);
    }

    @Test
    public final void required_T1_4_malformedSectionIsSyntaxErrorWithColumn() {
        List<String> malformed = malformedAddresses();
        Rules.requires(!malformed.isEmpty(), "malformedAddresses() is empty");
        for (String text : malformed) {
            SyntaxChecks.rejects(transport.name(), text, SyntaxChecks.BEFORE_TRANSPORT, transport::parse);
        }
    }

    // ---- T2: connections ----

    @Test
    public final void required_T2_1_listensOnEphemeralPort() {
        requireServer();
        Server first = listen(Setup.plain());
        Server second = listen(Setup.plain());
        Set<Scope> scopes = first.listener().scopes();
        assertFalse(scopes.isEmpty(), "Listener.scopes() is empty");
        for (Scope scope : Scope.values()) {
            if (!scopes.contains(scope)) {
                assertTrue(first.listener().addresses(scope).isEmpty(), "addresses(" + scope
                        + ") prints sections for a scope the listener does not serve");
            }
        }
        List<Section> a = first.printed();
        List<Section> b = second.printed();
        assertFalse(a.isEmpty(), "the listener prints no address for any scope it serves (" + scopes + ")");
        Set<Section> both = new HashSet<>(a);
        both.retainAll(b);
        assertTrue(both.isEmpty(), "two listeners print the same address " + both + ": without a fixed port in"
                + " the spec, listen must take a fresh ephemeral one each time");
    }

    @Test
    public final void required_T2_2_connectsToPrintedAddress() {
        requireServer();
        BytePattern up = new BytePattern(1);
        BytePattern down = new BytePattern(2);
        Server server = listen(Setup.plain().expect(up));
        Section address = server.address();
        Peer client = connect(address, Setup.plain().expect(down));
        Peer accepted = harness.await(server.accepted(0), "the acceptor being called for " + address);
        assertTrue(client.channel.isActive(), "the client channel handed over is not active");
        assertTrue(accepted.channel.isActive(), "the accepted channel handed to the acceptor is not active");
        assertEquals(transport.name(), accepted.transportSection.name(),
                "the acceptor's remote section is named '" + accepted.transportSection.name() + "'");
        exchange(client, accepted, up, down, 1);
    }

    @Test
    public final void required_T2_3_manyConcurrentConnections() {
        requireServer();
        Server server = listen(Setup.plain().echo());
        Transport.Endpoint endpoint = endpoint(server.address());
        List<CompletableFuture<Peer>> connecting = new ArrayList<>();
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            connecting.add(harness.connect(endpoint, Setup.plain().expect(new BytePattern(100 + i)), null));
        }
        List<Peer> clients = new ArrayList<>();
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            clients.add(harness.await(connecting.get(i), "connection " + i + " of " + CONCURRENT_CONNECTIONS));
        }
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            Peer c = clients.get(i);
            PatternWriter.write(c.channel, c.tail, new BytePattern(100 + i), 0, 4096, false);
        }
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            harness.awaitBytes(clients.get(i).tail, 4096, "connection " + i + " getting its own 4096 bytes echoed");
        }
        Set<Channel> accepted = new HashSet<>();
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            accepted.add(harness.await(server.accepted(i), "accepted connection " + i).channel);
        }
        assertEquals(CONCURRENT_CONNECTIONS, accepted.size(), "the acceptor saw one channel twice");
        assertEquals(CONCURRENT_CONNECTIONS, server.acceptedCount(), "the acceptor was called too often");
    }

    @Test
    public final void required_T2_4_cancelDuringConnectClosesChannel() {
        requireServer();
        Server server = listen(Setup.plain());
        Transport.Endpoint endpoint = endpoint(server.address());
        // With the event loops held, the connect cannot get anywhere before the cancel: it is in flight for sure.
        CancelledConnect attempt = harness.whileLoopsHeld(() -> cancelledConnect(endpoint));
        assertTrue(attempt.cancelled() && attempt.future().isCancelled(), "the connect future could not be cancelled"
                + " although nothing had happened yet: it completed inside connect(beforeFirstRead)");
        Rules.requires(!attempt.opened().isEmpty(), "connect(beforeFirstRead) registered no channel on the calling"
                + " thread, so the kit cannot watch the channel a cancelled connect opened");
        for (Channel ch : attempt.opened()) {
            harness.awaitClosed(ch, "the channel of a connect cancelled while in flight (" + endpoint.section() + ")");
        }
    }

    private record CancelledConnect(CompletableFuture<Channel> future, boolean cancelled, List<Channel> opened) {
    }

    /** Calls connect and cancels at once, noting the client channels registered meanwhile. */
    private CancelledConnect cancelledConnect(Transport.Endpoint endpoint) {
        CompletableFuture<Channel> connecting;
        boolean cancelled;
        List<Channel> opened;
        harness.startTracking();
        try {
            connecting = endpoint.connect(channel -> { });
            cancelled = connecting.cancel(true);
        } finally {
            opened = harness.stopTracking();
        }
        opened.forEach(harness::own);
        return new CancelledConnect(connecting, cancelled, opened);
    }

    @Test
    public final void required_T2_5_closeOfServerClosesConnections() {
        requireServer();
        Server server = listen(Setup.plain());
        Section address = server.address();
        Peer c1 = connect(address, Setup.plain());
        Peer c2 = connect(address, Setup.plain());
        Peer s1 = harness.await(server.accepted(0), "the first accepted connection");
        Peer s2 = harness.await(server.accepted(1), "the second accepted connection");
        harness.await(server.listener().close(), "Listener.close()");
        harness.awaitClosed(s1.channel, "Listener.close(): the first connection it accepted");
        harness.awaitClosed(s2.channel, "Listener.close(): the second connection it accepted");
        harness.await(c1.tail.peerEnded(), "the first client seeing its server go away");
        harness.await(c2.tail.peerEnded(), "the second client seeing its server go away");
        harness.awaitFailure(dial(address), harness.timeout, "a connect to " + address + " after Listener.close()");
    }

    @Test
    public final void required_T2_6_refusedConnectFailsWithinDeadline() {
        requireServer();
        Section address = closedAddress();
        Throwable error = harness.awaitFailure(dial(address), harness.timeout,
                "a connect to " + address + ", where nothing listens any more");
        assertFalse(error instanceof CancellationException, "the connect future was cancelled rather than failed");
    }

    @Test
    public final void required_T2_7_peerCloseIsSeen() {
        requireServer();
        Server server = listen(Setup.plain());
        Section address = server.address();
        Peer client = connect(address, Setup.plain());
        Peer accepted = harness.await(server.accepted(0), "the accepted connection");
        client.channel.close();
        harness.await(accepted.tail.peerEnded(), "the server seeing the client close (end of input or close)");

        Peer client2 = connect(address, Setup.plain());
        Peer accepted2 = harness.await(server.accepted(1), "the second accepted connection");
        accepted2.channel.close();
        harness.await(client2.tail.peerEnded(), "the client seeing the server close (end of input or close)");
    }

    @Test
    public final void optional_T2_8_connectErrorNamesAddress() {
        requireServer();
        Section address = closedAddress();
        Throwable error = harness.awaitFailure(dial(address), harness.timeout,
                "a connect to " + address + ", where nothing listens any more");
        Rules.optional(() -> assertTrue(String.valueOf(error.getMessage()).contains(address.toString()),
                "the connect error should name the address '" + address + "', says: " + error.getMessage()));
    }

    // ---- T3: bytes ----

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 4095, 65537, 1048576, 16777219})
    public final void required_T3_1_bytesBothWaysInOrder(int size) {
        requireServer();
        BytePattern up = new BytePattern(11);
        BytePattern down = new BytePattern(12);
        Server server = listen(Setup.plain().expect(up));
        Peer client = connect(server.address(), Setup.plain().expect(down));
        Peer accepted = harness.await(server.accepted(0), "the accepted connection");
        exchange(client, accepted, up, down, size);
    }

    @Test
    public final void required_T3_2_stalledReaderMakesWriterUnwritable() {
        requireServer();
        BytePattern up = new BytePattern(21);
        Server server = listen(Setup.plain().expect(up).stalled());
        Peer client = connect(server.address(), Setup.plain());
        Peer reader = harness.await(server.accepted(0), "the accepted connection");
        Backpressure.check(harness, client, reader, up, STALL_LIMIT);
    }

    @Test
    public final void required_T3_3_serverSpeaksFirstReachesHandlerFromFirstByte() {
        requireServer();
        BytePattern down = new BytePattern(51);
        Server server = listen(Setup.plain().writeOnWrap(down, SERVER_FIRST_BYTES));
        Transport.Endpoint endpoint = endpoint(server.address());
        Random delays = new Random(51); // fixed: a failing run's delays can be told again
        for (int i = 0; i < SERVER_FIRST_CONNECTS; i++) {
            // Every other connect installs its handlers slowly: a transport that calls beforeFirstRead off the
            // event loop, or after the channel started reading, then reads the server's bytes meanwhile.
            long delay = i % 2 == 0 ? 0 : 1 + delays.nextInt((int) SLOW_INSTALL_NANOS);
            String which = "connect " + (i + 1) + " of " + SERVER_FIRST_CONNECTS + " ("
                    + (delay == 0 ? "fast install" : "install delayed by " + delay / 1000 + " µs") + ")";
            Peer client = harness.await(harness.connect(endpoint, Setup.plain().expect(down).slowInstall(delay),
                    null), which);
            Peer accepted = harness.await(server.accepted(i), which + ": the accepted connection");
            // One more byte once the connect completed: if the first bytes were lost, it arrives where byte 0
            // should be and the failure is immediate, not a stall.
            PatternWriter.write(accepted.channel, accepted.tail, down, SERVER_FIRST_BYTES, 1, false);
            try {
                harness.awaitBytes(client.tail, SERVER_FIRST_BYTES + 1, "the client receiving what the server"
                        + " wrote");
            } catch (AssertionError e) {
                throw new AssertionError(which + ": the server wrote " + SERVER_FIRST_BYTES + " bytes as it"
                        + " accepted the connection, before the client sent anything, and the client's handler,"
                        + " installed by Endpoint.connect(beforeFirstRead), did not see them from the first byte ("
                        + e.getMessage() + "). A transport must call beforeFirstRead on the channel's event loop"
                        + " before the channel's first read (a Bootstrap handler is the place), not once connect()"
                        + " completed, as the SPI's default does", e);
            }
            // Both ends close at once: a transport with a closing handshake (ws) would otherwise wait out its
            // close timeout for a peer that is not ending, a hundred times.
            client.channel.close();
            accepted.channel.close();
            harness.awaitClosed(client.channel, which + ": the client's channel");
            harness.awaitClosed(accepted.channel, which + ": the accepted channel");
        }
    }

    // ---- T4: ending ----

    @Test
    public final void required_T4_1_endOfOutputHalfCloses() {
        requireServer();
        Rules.requires(transport.supportsHalfClose(), "supportsHalfClose() is false (rule T4_2 applies instead)");
        BytePattern up = new BytePattern(31);
        BytePattern down = new BytePattern(32);
        Server server = listen(Setup.plain().expect(up));
        Peer client = connect(server.address(), Setup.plain().expect(down));
        Peer accepted = harness.await(server.accepted(0), "the accepted connection");
        HalfClose.check(harness, client, accepted, up, down);
    }

    @Test
    public final void required_T4_2_endOfOutputClosesWithoutHalfClose() {
        requireServer();
        Rules.requires(!transport.supportsHalfClose(), "supportsHalfClose() is true (rule T4_1 applies instead)");
        BytePattern up = new BytePattern(41);
        Server server = listen(Setup.plain().expect(up));
        Peer client = connect(server.address(), Setup.plain());
        Peer accepted = harness.await(server.accepted(0), "the accepted connection");
        harness.await(PatternWriter.write(client.channel, client.tail, up, 0, 4096, true),
                "writing 4096 bytes, then EndOfOutput (which closes a transport without half-close)");
        harness.awaitBytes(accepted.tail, 4096, "the server receiving what was written before EndOfOutput");
        harness.awaitClosed(accepted.channel, "the server's channel after the client's EndOfOutput");
        harness.awaitClosed(client.channel, "the client's channel after its EndOfOutput");
    }

    // ---- helpers ----

    private void requireServer() {
        Rules.requires(canListen(), "client-only transport (canListen() is false)");
    }

    private Server listen(Setup setup) {
        return harness.listen(transport, setup, null);
    }

    private Peer connect(Section address, Setup setup) {
        return harness.await(harness.connect(endpoint(address), setup, null), "a connect to " + address);
    }

    /** A raw connect on the platform's path, for rules that only look at whether it fails. */
    private CompletableFuture<Channel> dial(Section address) {
        return endpoint(address).connect(channel -> { });
    }

    private Transport.Endpoint endpoint(Section address) {
        return transport.parse(address).orElseThrow(() -> new AssertionError("parse('" + address
                + "') says 'not mine' for an address this transport printed"));
    }

    /** An address a listener printed, after that listener closed: nothing answers there. */
    private Section closedAddress() {
        Server server = listen(Setup.plain());
        Section address = server.address();
        harness.await(server.listener().close(), "Listener.close()");
        return address;
    }

    private void exchange(Peer client, Peer server, BytePattern up, BytePattern down, long size) {
        CompletableFuture<Long> sending = PatternWriter.write(client.channel, client.tail, up, 0, size, false);
        CompletableFuture<Long> answering = PatternWriter.write(server.channel, server.tail, down, 0, size, false);
        harness.awaitBytes(server.tail, size, "the server receiving " + size + " bytes from the client");
        harness.awaitBytes(client.tail, size, "the client receiving " + size + " bytes from the server");
        harness.await(sending, "the client's writes completing");
        harness.await(answering, "the server's writes completing");
        assertEquals(size, server.tail.received(), "the server received more bytes than the client wrote");
        assertEquals(size, client.tail.received(), "the client received more bytes than the server wrote");
    }

    private static Section section(String text) {
        try {
            return Section.parse(text);
        } catch (AddressSyntaxException e) {
            throw new AssertionError("'" + text + "' is not one well-formed section: " + e.getMessage(), e);
        }
    }
}
