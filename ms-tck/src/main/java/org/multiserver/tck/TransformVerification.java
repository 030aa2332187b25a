package org.multiserver.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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
import org.multiserver.address.Section;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.EndOfOutput;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.reference.LocalTransportProvider;
import org.multiserver.testing.NettyLeakDetection;

/**
 * The rules every transform plugin follows, as JUnit 5 tests. Extend this class in your plugin's tests, return your
 * provider from {@link #provider()} and some malformed sections from {@link #malformedSections()}, and say what your
 * transform cannot do with the capability hooks ({@link #authenticates()}, {@link #hasHandshake()},
 * {@link #supportsHalfClose()}, {@link #detectsTruncation()}). The kit composes a transport (its own {@code local}
 * one unless you pick another with {@link #transport()}) and your transform through the SPI, the way the platform
 * does, and runs every rule in {@code RULES.md}. Test names carry the rule id and level:
 * {@code required_F3_1_bytesRightAfterHandshakeReachNextLayer}.
 *
 * <p>Three instances take part, made by {@link #create}: the {@link Role#SERVER}, the {@link Role#CLIENT} that dials
 * it, and an {@link Role#IMPOSTOR}: another server with a different key, which a client that asked for the real
 * server must refuse.
 *
 * <p>Timeouts, leak detection and the event loop group work as in {@link TransportVerification}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NettyLeakDetection.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
public abstract class TransformVerification {
    private static final int CONCURRENT_CONNECTIONS = 16;
    private static final long STALL_LIMIT = 32L * 1024 * 1024;
    private static final int FEW_BYTES = 3;
    private static final int SMALL = 4096;
    /** Single writes around Secret Channel's and many framings' u16 limit, and one far beyond it. */
    private static final int[] LARGE_WRITES = {65535, 65536, 65537, 131072, 1048579};
    private static final String CLEAN_THEN_ERROR = "a clean end of input, then an error";

    /** Which instance {@link #create} makes. */
    public enum Role {
        /** The server the client dials. */
        SERVER,
        /** The client; its instance parses the server's section and runs the client side. */
        CLIENT,
        /** A second server, keyed differently from {@link #SERVER}: it must not pass for it. */
        IMPOSTOR
    }

    private Harness harness;
    private Transport transport;
    private Transform server;
    private Transform client;

    // ---- what a plugin author supplies ----

    /** The provider under test. */
    protected abstract TransformProvider provider();

    /**
     * Sections named after your transform that are well-formed addresses but not usable ones, such as
     * {@code shs:notbase64}. Each must make {@link Transform#parse} throw an
     * {@link org.multiserver.address.AddressSyntaxException} pointing into the section. Return an empty list only
     * if no such section exists; rule F1_4 is then skipped.
     */
    protected abstract List<String> malformedSections();

    /**
     * Sections this transform accepts, such as {@code shs2:<a real key>:<a payload>}: the ones the malformed samples
     * are built from. Rule F1_5 checks that each parses, and that a malformed sample made by appending to one of them
     * is rejected past the valid part, so a sample that fails for the wrong reason (a base key that is itself
     * invalid) is caught. Empty (the default) skips F1_5.
     */
    protected List<String> validSections() {
        return List.of();
    }

    /**
     * Makes one instance. The default is {@code provider().create(context)}, which suits a transform that draws a
     * fresh key per instance; override to give each role its own configuration (the {@link Role#IMPOSTOR} must
     * have a different key from the {@link Role#SERVER}). Keep the context's event loop group and timeouts.
     */
    protected Transform create(Role role, PluginContext context) {
        return provider().create(context);
    }

    /** The transport under the transform; the kit's {@code local} transport by default. */
    protected TransportProvider transport() {
        return new LocalTransportProvider();
    }

    /** Capability: false when the transform proves no identity, which skips the impostor rule. */
    protected boolean authenticates() {
        return true;
    }

    /** Capability: false when the transform exchanges nothing before data flows, which skips the deadline rules. */
    protected boolean hasHandshake() {
        return true;
    }

    /** Capability: false when the transform cannot pass on a half-close, which skips rules F4_3 and F4_8. */
    protected boolean supportsHalfClose() {
        return true;
    }

    /**
     * Capability: true when the transform ends its stream with a marker of its own (shs's goodbye, shs2's
     * end-of-stream chunk, a gzip trailer) and reports a stream that stops before it as an error, which turns on
     * rules F4_5 and F4_6. The default is {@link #authenticates()}: a transform that proves who is at the other end
     * protects where the stream ends too (otherwise an attacker who injects a FIN makes a cut-off reply look
     * complete), while identity and compression usually cannot tell a cut from an end.
     */
    protected boolean detectsTruncation() {
        return authenticates();
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
    final void createInstances() {
        transport = transport().create(harness.context().build());
        server = create(Role.SERVER, harness.context().build());
        client = create(Role.CLIENT, harness.context().build());
    }

    @AfterEach
    final void closeEverything() {
        harness.closeAll();
    }

    // ---- F1: the section ----

    @Test
    public final void required_F1_1_namesAgree() {
        String name = provider().name();
        assertTrue(name != null && name.matches("[a-z][a-z0-9-]+"),
                "provider name '" + name + "' is not a section name ([a-z][a-z0-9-]+)");
        assertEquals(name, server.name(), "TransformProvider.name() and Transform.name() differ");
        assertTrue(provider().sectionNames().contains(name), "sectionNames() " + provider().sectionNames()
                + " does not contain name() '" + name + "'");
        for (Scope scope : Scope.values()) {
            server.stringify(scope).ifPresent(s -> assertEquals(name, s.name(),
                    "stringify(" + scope + ") prints a section not named '" + name + "'"));
        }
    }

    @Test
    public final void required_F1_2_printedSectionRoundTrips() {
        printed(server); // the device scope must print something: the kit serves it
        for (Scope scope : Scope.values()) {
            Optional<Section> printed = server.stringify(scope);
            if (printed.isEmpty()) {
                continue;
            }
            String text = printed.get().toString();
            Section reparsed = Section.parse(text);
            Transform.Target target = client.parse(reparsed).orElseThrow(() -> new AssertionError(
                    "parse('" + text + "') says 'not mine' for a section this transform printed"));
            assertEquals(printed.get(), target.section(), "parse('" + text + "').section() prints '"
                    + target.section() + "': printing and parsing must round-trip (parse(print(x)) equals x)");
        }
    }

    @Test
    public final void required_F1_3_foreignSectionIsNotMine() {
        String name = server.name();
        SyntaxChecks.ignoresForeign(List.of(Section.of("tck-foreign", "a"), Section.of(name + "-x", "a"),
                Section.of("tck-foreign")), client::parse);
    }

    @Test
    public final void required_F1_4_malformedSectionIsSyntaxErrorWithColumn() {
        List<String> malformed = malformedSections();
        Rules.requires(!malformed.isEmpty(), "malformedSections() is empty");
        for (String text : malformed) {
            SyntaxChecks.rejects(client.name(), text, SyntaxChecks.BEFORE_TRANSFORM, client::parse);
        }
    }

    @Test
    public final void required_F1_5_validSectionsParseAndErrorsPointPastThem() {
        List<String> valid = validSections();
        Rules.requires(!valid.isEmpty(), "validSections() is empty");
        for (String text : valid) {
            Section section = Section.parse(text);
            assertEquals(client.name(), section.name(), "validSections() lists '" + text + "', which is not named '"
                    + client.name() + "'");
            Transform.Target target;
            try {
                target = client.parse(section).orElseThrow(() -> new AssertionError("parse('" + text + "') says"
                        + " 'not mine' for a section listed in validSections()"));
            } catch (RuntimeException e) {
                throw new AssertionError("parse('" + text + "') rejects a section listed in validSections(): " + e
                        + " (a malformed sample built on it would be rejected for this reason, not its own)", e);
            }
            Section canonical = target.section();
            Section again = target(client, canonical).section();
            assertEquals(canonical, again, "parse('" + text + "') gives the section '" + canonical + "', which parses"
                    + " to '" + again + "': a target's section must parse to itself");
        }
        for (String sample : malformedSections()) {
            for (String base : valid) {
                if (!sample.startsWith(base + ":")) {
                    continue;
                }
                var error = SyntaxChecks.rejects(client.name(), sample, SyntaxChecks.BEFORE_TRANSFORM, client::parse);
                int validEnd = SyntaxChecks.BEFORE_TRANSFORM.length() + base.length();
                assertTrue(error.column() > validEnd, "the malformed sample '" + sample + "' extends the valid '"
                        + base + "', but the error points at column " + error.column() + ", inside the valid part ("
                        + error.reason() + "): it is rejected for something the valid section has too, so it does"
                        + " not test what was appended");
            }
        }
    }

    // ---- F2: the wrap ----

    @Test
    public final void required_F2_1_wrapCompletesOnBothSides() {
        Pair pair = pair(Setup.plain(), Setup.plain());
        Layer c = harness.await(pair.client.layer, "wrapClient");
        Layer s = harness.await(pair.server.layer, "wrapServer");
        assertEquals(server.name(), c.remote().name(), "the client's Layer.remote() is not a '" + server.name()
                + "' section");
        assertEquals(server.name(), s.remote().name(), "the server's Layer.remote() is not a '" + server.name()
                + "' section");
        assertTrue(pair.client.channel.isActive(), "the client's channel is not active after its wrap completed");
        assertTrue(pair.server.channel.isActive(), "the server's channel is not active after its wrap completed");
    }

    @Test
    public final void required_F2_2_layerRemoteIsWhatThePeerPrinted() {
        Pair pair = pair(Setup.plain(), Setup.plain());
        Layer c = harness.await(pair.client.layer, "wrapClient");
        Layer s = harness.await(pair.server.layer, "wrapServer");
        assertEquals(printed(server), c.remote(), "the client's Layer.remote() is not the section the server"
                + " prints: a connection's remote address must be one its user can dial again");
        Optional<Section> clientPrints = client.stringify(Scope.DEVICE);
        if (clientPrints.isPresent()) {
            assertEquals(clientPrints.get(), s.remote(), "the server's Layer.remote() is not the section the"
                    + " client instance prints");
        }
    }

    @Test
    public final void required_F2_3_identityFollowsAuthentication() {
        Server listening = listen(server, Setup.plain());
        Pair first = connect(listening, Setup.plain());
        Pair second = connect(listening, Setup.plain());
        Layer c1 = harness.await(first.client.layer, "the first wrapClient");
        Layer c2 = harness.await(second.client.layer, "the second wrapClient");
        Layer s1 = harness.await(first.server.layer, "the first wrapServer");
        Layer s2 = harness.await(second.server.layer, "the second wrapServer");
        if (!authenticates()) {
            for (Layer layer : List.of(c1, c2, s1, s2)) {
                assertTrue(layer.identity().isEmpty(), () -> "authenticates() is false but a Layer carries the"
                        + " identity " + layer.identity().orElse("") + ": a transform that proves nothing must claim"
                        + " nothing");
            }
            return;
        }
        assertTrue(c1.identity().isPresent(), "the client's Layer carries no identity of the server");
        assertEquals(c1.identity(), c2.identity(), "two connections to one server authenticated different"
                + " identities");
        if (s1.identity().isPresent()) {
            assertEquals(s1.identity(), s2.identity(), "the server authenticated one client as two identities");
        }
        Transform other = create(Role.IMPOSTOR, harness.context().build());
        Server otherListening = listen(other, Setup.plain());
        Pair third = connect(otherListening, printed(other), Setup.plain());
        Layer c3 = harness.await(third.client.layer, "wrapClient against a second server instance");
        assertTrue(c3.identity().isPresent(), "the client's Layer carries no identity of the second server");
        assertNotEquals(c1.identity(), c3.identity(), "two differently keyed servers authenticated as the same"
                + " identity");
    }

    @Test
    public final void required_F2_4_impostorFailsOnBothSides() {
        Rules.requires(authenticates(), "authenticates() is false");
        Transform impostor = create(Role.IMPOSTOR, harness.context().build());
        Section genuine = printed(server);
        assertNotEquals(genuine, printed(impostor), "the IMPOSTOR instance prints the same section as the SERVER:"
                + " create(Role.IMPOSTOR, ...) must make a differently keyed instance");
        Server listening = listen(impostor, Setup.plain());
        Pair pair = connect(listening, genuine, Setup.plain());
        harness.awaitFailure(pair.client.layer, harness.timeout, "the client's wrap, which asked for " + genuine
                + " and met an impostor");
        harness.awaitFailure(pair.server.layer, harness.timeout, "the impostor's wrapServer");
        harness.awaitClosed(pair.client.channel, "the client's channel after its wrap failed");
        harness.awaitClosed(pair.server.channel, "the impostor's channel after its wrap failed");
    }

    @Test
    public final void required_F2_5_pipelineHoldsOnlyOwnHandlers() {
        Pair pair = settledPair();
        String name = server.name();
        for (Peer peer : List.of(pair.client, pair.server)) {
            String side = peer == pair.client ? "client" : "server";
            List<String> now = harness.onLoop(peer.channel, () -> Harness.names(peer.channel));
            List<String> foreign = new ArrayList<>();
            for (String n : now) {
                if (!peer.namesBeforeWrap.contains(n) && !n.startsWith(name)) {
                    foreign.add(n);
                }
            }
            assertTrue(foreign.isEmpty(), "after the " + side + " wrap the pipeline holds " + foreign + ", whose"
                    + " names do not start with '" + name + "' (pipeline: " + now + ")");
            List<String> removed = new ArrayList<>(peer.namesBeforeWrap);
            removed.removeAll(now);
            assertTrue(removed.isEmpty(), "the " + side + " wrap removed handlers it did not add: " + removed);
            assertEquals(Pipelines.TAIL, now.get(now.size() - 1), "the " + side + " wrap put handlers after the"
                    + " platform's tail '" + Pipelines.TAIL + "' (use Pipelines.addLast): " + now);
        }
    }

    @Test
    public final void required_F2_6_pipelineIsFinalWhenWrapCompletes() {
        Pair pair = settledPair();
        for (Peer peer : List.of(pair.client, pair.server)) {
            String side = peer == pair.client ? "client" : "server";
            List<String> now = harness.onLoop(peer.channel, () -> Harness.names(peer.channel));
            assertEquals(peer.namesWhenWrapped, now, "the " + side + " pipeline changed after its wrap completed:"
                    + " complete the future only once the pipeline is final");
        }
    }

    // ---- F3: the handshake ----

    @Test
    public final void required_F3_1_bytesRightAfterHandshakeReachNextLayer() {
        BytePattern up = new BytePattern(51);
        BytePattern down = new BytePattern(52);
        int early = 4096;
        Pair pair = pair(Setup.plain().expect(up).coalesce().writeOnWrap(down, early),
                Setup.plain().expect(down).coalesce().writeOnWrap(up, early));
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        harness.await(pair.client.wroteOnWrap, "the client writing right after its wrap completed");
        harness.await(pair.server.wroteOnWrap, "the server writing right after its wrap completed");
        // More bytes after the early ones: if the early ones were dropped, these arrive at the wrong offset.
        PatternWriter.write(pair.client.channel, pair.client.tail, up, early, early, false);
        PatternWriter.write(pair.server.channel, pair.server.tail, down, early, early, false);
        harness.awaitBytes(pair.client.tail, 2L * early, "the client's tail getting the bytes the server wrote in"
                + " the callback of its completed wrap, which travel with the last handshake message (a decoder"
                + " must pass its leftovers on, as ByteToMessageDecoder.handlerRemoved does)");
        harness.awaitBytes(pair.server.tail, 2L * early, "the server's tail getting the bytes the client wrote in"
                + " the callback of its completed wrap");
    }

    @Test
    public final void required_F3_2_silentClientIsDropped() {
        Rules.requires(hasHandshake(), "hasHandshake() is false");
        Transform hurried = create(Role.SERVER, harness.context().handshakeTimeout(harness.shortDeadline()).build());
        Server listening = listen(hurried, Setup.plain());
        harness.await(harness.connect(endpoint(listening), Setup.plain(), null), "a raw connect");
        Peer accepted = harness.await(listening.accepted(0), "the accepted connection");
        expectDropped(accepted, "wrapServer, whose client connected and sent nothing");
    }

    @Test
    public final void required_F3_3_stalledClientIsDropped() {
        Rules.requires(hasHandshake(), "hasHandshake() is false");
        Transform hurried = create(Role.SERVER, harness.context().handshakeTimeout(harness.shortDeadline()).build());
        Server listening = listen(hurried, Setup.plain());
        Peer raw = harness.await(harness.connect(endpoint(listening), Setup.plain(), null), "a raw connect");
        harness.await(PatternWriter.write(raw.channel, raw.tail, new BytePattern(61), 0, FEW_BYTES, false),
                "the raw client writing " + FEW_BYTES + " bytes");
        Peer accepted = harness.await(listening.accepted(0), "the accepted connection");
        expectDropped(accepted, "wrapServer, whose client sent " + FEW_BYTES + " bytes and stopped");
    }

    @Test
    public final void required_F3_4_silentServerFailsClient() {
        Rules.requires(hasHandshake(), "hasHandshake() is false");
        Transform hurried = create(Role.CLIENT, harness.context().handshakeTimeout(harness.shortDeadline()).build());
        Server silent = harness.listen(transport, Setup.plain(), null);
        Transform.Target target = target(hurried, printed(server));
        Peer dialler = harness.await(harness.connect(endpoint(silent), Setup.plain(), target::wrapClient),
                "a connect to a server that says nothing");
        expectDropped(dialler, "wrapClient, whose server accepted and said nothing");
    }

    @Test
    public final void required_F3_5_survivesFragmentedReads() {
        BytePattern up = new BytePattern(71);
        BytePattern down = new BytePattern(72);
        Pair pair = pair(Setup.plain().expect(up).fragment(), Setup.plain().expect(down).fragment());
        harness.await(pair.client.layer, "wrapClient with every read cut into pieces of 1 to 7 bytes");
        harness.await(pair.server.layer, "wrapServer with every read cut into pieces of 1 to 7 bytes");
        exchange(pair, up, down, 16 * 1024);
    }

    @Test
    public final void optional_F3_6_peerCloseDuringHandshakeFailsPromptly() {
        Rules.requires(hasHandshake(), "hasHandshake() is false");
        // Its own deadline is three kit timeouts away: only noticing the close can fail it within one.
        Transform patient = create(Role.SERVER, harness.context().handshakeTimeout(harness.timeout.multipliedBy(3))
                .build());
        Server listening = listen(patient, Setup.plain());
        Peer raw = harness.await(harness.connect(endpoint(listening), Setup.plain(), null), "a raw connect");
        harness.await(PatternWriter.write(raw.channel, raw.tail, new BytePattern(81), 0, FEW_BYTES, false),
                "the raw client writing " + FEW_BYTES + " bytes");
        Peer accepted = harness.await(listening.accepted(0), "the accepted connection");
        raw.channel.close();
        Rules.optional(() -> harness.awaitFailure(accepted.layer, harness.timeout,
                "wrapServer after its peer closed mid-handshake (its own deadline is three kit timeouts away)"));
    }

    @Test
    public final void required_F3_7_serverSpeaksFirstToSilentClient() {
        BytePattern down = new BytePattern(131);
        // Only the server writes, and only once: nothing arrives later that could push held bytes through.
        Pair pair = pair(Setup.plain().coalesce().writeOnWrap(down, SMALL), Setup.plain().expect(down).coalesce());
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        harness.await(pair.server.wroteOnWrap, "the server writing right after its wrap completed");
        harness.awaitBytes(pair.client.tail, SMALL, "the client's tail getting the " + SMALL + " bytes the server"
                + " wrote in the callback of its completed wrap, with the client writing nothing (those bytes"
                + " travel with the server's last handshake message: hand them on at once, not with the next read)");
    }

    // ---- F4: bytes ----

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 4095, 65537, 1048576, 16777219})
    public final void required_F4_1_bytesBothWaysInOrder(int size) {
        BytePattern up = new BytePattern(91);
        BytePattern down = new BytePattern(92);
        Pair pair = pair(Setup.plain().expect(up), Setup.plain().expect(down));
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        exchange(pair, up, down, size);
    }

    @Test
    public final void required_F4_2_manyConcurrentConnections() {
        Server listening = listen(server, Setup.plain().echo());
        Transport.Endpoint endpoint = endpoint(listening);
        Transform.Target target = target(client, printed(server));
        List<CompletableFuture<Peer>> connecting = new ArrayList<>();
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            connecting.add(harness.connect(endpoint, Setup.plain().expect(new BytePattern(200 + i)),
                    target::wrapClient));
        }
        List<Peer> clients = new ArrayList<>();
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            Peer c = harness.await(connecting.get(i), "connection " + i + " of " + CONCURRENT_CONNECTIONS);
            harness.await(c.layer, "wrapClient of connection " + i);
            clients.add(c);
        }
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            Peer c = clients.get(i);
            PatternWriter.write(c.channel, c.tail, new BytePattern(200 + i), 0, 4096, false);
        }
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            harness.awaitBytes(clients.get(i).tail, 4096, "connection " + i + " getting its own 4096 bytes echoed");
        }
        for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
            harness.await(harness.await(listening.accepted(i), "accepted connection " + i).layer,
                    "wrapServer of connection " + i);
        }
    }

    @Test
    public final void required_F4_3_endOfOutputHalfCloses() {
        Rules.requires(supportsHalfClose(), "supportsHalfClose() is false");
        Rules.requires(transport.supportsHalfClose(), "the transport under the transform cannot half-close");
        BytePattern up = new BytePattern(101);
        BytePattern down = new BytePattern(102);
        Pair pair = pair(Setup.plain().expect(up), Setup.plain().expect(down));
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        HalfClose.check(harness, pair.client, pair.server, up, down);
    }

    @Test
    public final void required_F4_4_stalledReaderMakesWriterUnwritable() {
        BytePattern up = new BytePattern(111);
        Pair pair = pair(Setup.plain().expect(up), Setup.plain());
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        // Nothing flows before both wraps completed, so turning reads off now leaves nothing half-read.
        harness.onLoop(pair.server.channel, () -> pair.server.channel.config().setAutoRead(false));
        Backpressure.check(harness, pair.client, pair.server, up, STALL_LIMIT);
    }

    @ParameterizedTest(name = "cut by {0}")
    @ValueSource(strings = {"close", "half-close"})
    public final void required_F4_5_truncatedStreamIsAnError(String how) {
        Rules.requires(detectsTruncation(), "detectsTruncation() is false");
        boolean halfClose = how.equals("half-close");
        if (halfClose) {
            Rules.requires(transport.supportsHalfClose(), "the transport under the transform cannot half-close");
        }
        BytePattern up = new BytePattern(141);
        Pair pair = pair(Setup.plain().expect(up), Setup.plain().cut());
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        harness.await(PatternWriter.write(pair.client.channel, pair.client.tail, up, 0, SMALL, false),
                "the client writing " + SMALL + " bytes");
        harness.awaitBytes(pair.server.tail, SMALL, "the server receiving the bytes written before the cut");
        harness.await(pair.client.cutter.cut(halfClose), "the kit " + (halfClose ? "half-closing" : "closing")
                + " the client's transport under the transform, so the transform's end marker is never sent");
        Tail tail = pair.server.tail;
        harness.await(CompletableFuture.anyOf(tail.raised(), tail.peerEnded()), "the server noticing that the"
                + " client's transport ended (" + how + ") in the middle of the stream");
        harness.onLoop(pair.server.channel, () -> null); // what the same event loop task still fires, lands first
        if (!tail.raised().isDone()) {
            String saw = tail.inputShutdown().isDone() && !tail.inputShutdown().isCompletedExceptionally()
                    ? "a clean end of input (ChannelInputShutdownEvent)" : "a close without an error, which an"
                    + " application reads as the end of the stream";
            throw new AssertionError("the client's stream was cut (" + how + " under the transform, no end marker)"
                    + " after " + SMALL + " bytes, and the server's next layer saw " + saw + ": a truncated stream"
                    + " must reach it as an error (exceptionCaught), or a cut-off reply looks complete. If the"
                    + " transform cannot tell a cut from an end, override detectsTruncation() to return false");
        }
        assertFalse(tail.endedBeforeRaised(), "the server's next layer saw a clean end of input"
                + " (ChannelInputShutdownEvent) before the error: the cut stream was announced as complete first");
        assertEquals(SMALL, tail.received(), "the server's next layer got more bytes than the client wrote");
    }

    @Test
    public final void required_F4_6_endIsTheSameHoweverReadsAreCut() {
        Rules.requires(detectsTruncation(), "detectsTruncation() is false");
        byte[] junk = new BytePattern(151).bytes(0, 48);
        Ending together = endWithJunk(new EndSplicer.Plan(true, junk));
        Ending apart = endWithJunk(new EndSplicer.Plan(false, junk));
        assertEquals(together.kind, apart.kind, "bytes behind the client's end marker: when they arrived in the same"
                + " read as the marker the server's next layer saw " + together + ", in the next read " + apart
                + ": the end of a stream must not depend on how the transport cut the reads");
        assertFalse(together.kind.equals(CLEAN_THEN_ERROR), "bytes behind the client's end marker: the server's"
                + " next layer saw " + together + ". Once a transform announced a clean end it must stay clean (hang"
                + " up without an error, or ignore the bytes): an application that reads after both sees the error,"
                + " one that read in between saw the end, so what it gets depends on timing and on how reads were"
                + " cut");
    }

    /** What the next layer saw at the end of a stream: {@code kind} in words, and the error, if any. */
    private record Ending(String kind, Throwable error) {
        @Override
        public String toString() {
            return error == null ? kind : kind + " (" + error + ")";
        }
    }

    /**
     * One connection whose client ends, with {@code junk} spliced in right behind its transform's end marker,
     * delivered to the server as {@code plan} says. Returns what the server's next layer saw.
     */
    private Ending endWithJunk(EndSplicer.Plan plan) {
        String how = plan.oneRead ? "in the marker's read" : "in a read of their own";
        BytePattern up = new BytePattern(152);
        Pair pair = pair(Setup.plain().expect(up).splice(plan), Setup.plain().splice(plan));
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        harness.await(PatternWriter.write(pair.client.channel, pair.client.tail, up, 0, SMALL, false),
                "the client writing " + SMALL + " bytes");
        harness.awaitBytes(pair.server.tail, SMALL, "the server receiving the bytes written before the end");
        harness.await(pair.client.splicer.arm(), "arming the kit's splicer under the client's transform");
        CompletableFuture<Long> ending = PatternWriter.write(pair.client.channel, pair.client.tail, up, SMALL, 0,
                true);
        Tail tail = pair.server.tail;
        harness.await(tail.peerEnded(), "the server seeing the client's end, with " + plan.junk.length + " bytes"
                + " behind the end marker " + how);
        harness.await(ending.handle((v, e) -> null), "the client's EndOfOutput settling");
        // End the other direction too (ignored if the server already hung up), so both channels can close.
        harness.onLoop(pair.server.channel, () -> pair.server.channel.writeAndFlush(EndOfOutput.INSTANCE));
        harness.awaitClosed(pair.server.channel, "the server's channel after both ends (junk " + how + ")");
        harness.awaitClosed(pair.client.channel, "the client's channel after both ends (junk " + how + ")");
        harness.onLoop(pair.server.channel, () -> null);
        AssertionError wrong = tail.mismatch();
        if (wrong != null) {
            throw new AssertionError("bytes the client wrote behind its end marker (" + how + ") reached the"
                    + " server's next layer as data: " + wrong.getMessage(), wrong);
        }
        assertEquals(SMALL, tail.received(), "the server's next layer got bytes from behind the end marker (" + how
                + ")");
        boolean clean = tail.inputShutdown().isDone() && !tail.inputShutdown().isCompletedExceptionally();
        if (tail.raised().isDone()) {
            return new Ending(tail.endedBeforeRaised() ? CLEAN_THEN_ERROR : "an error", tail.raised().join());
        }
        return new Ending(clean ? "a clean end of input" : "a close without end of input or error", null);
    }

    @Test
    public final void required_F4_7_largeWritesArriveIntact() {
        BytePattern up = new BytePattern(161);
        BytePattern down = new BytePattern(162);
        Pair pair = pair(Setup.plain().expect(up), Setup.plain().expect(down));
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        long total = 0;
        for (int size : LARGE_WRITES) {
            total += size;
        }
        String sizes = Arrays.toString(LARGE_WRITES);
        CompletableFuture<Long> sending = PatternWriter.whole(pair.client.channel, up, 0, LARGE_WRITES);
        CompletableFuture<Long> answering = PatternWriter.whole(pair.server.channel, down, 0, LARGE_WRITES);
        harness.awaitBytes(pair.server.tail, total, "the server receiving single writes of " + sizes + " bytes");
        harness.awaitBytes(pair.client.tail, total, "the client receiving single writes of " + sizes + " bytes");
        harness.await(sending, "the client's single writes of " + sizes + " bytes completing");
        harness.await(answering, "the server's single writes of " + sizes + " bytes completing");
        assertEquals(total, pair.server.tail.received(), "the server received more bytes than the client wrote");
        assertEquals(total, pair.client.tail.received(), "the client received more bytes than the server wrote");
    }

    @Test
    public final void required_F4_8_writeAfterEndOfOutputFails() {
        Rules.requires(supportsHalfClose(), "supportsHalfClose() is false");
        Rules.requires(transport.supportsHalfClose(), "the transport under the transform cannot half-close");
        BytePattern up = new BytePattern(171);
        // The late write carries pattern bytes from far beyond anything written before: if they reach the server's
        // tail they are wrong bytes there, and the wiretap under the server's transform looks for their start in
        // the clear. Pattern positions never repeat, so they cannot turn up by chance in what was legitimately sent.
        long lateAt = 1L << 40;
        byte[] needle = up.bytes(lateAt, 64);
        Pair pair = pair(Setup.plain().expect(up).wiretap(needle), Setup.plain());
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        // A backlog, so the end and the write behind it wait in the transport's buffer, as on a busy socket.
        harness.onLoop(pair.server.channel, () -> pair.server.channel.config().setAutoRead(false));
        long written = harness.await(PatternWriter.untilUnwritable(pair.client.channel, up, STALL_LIMIT),
                "the client's channel turning unwritable while the server reads nothing");
        CompletableFuture<Void> late = harness.onLoop(pair.client.channel, () -> {
            pair.client.channel.write(EndOfOutput.INSTANCE);
            ByteBuf more = pair.client.channel.alloc().buffer(SMALL);
            up.writeTo(more, lateAt, SMALL);
            return ChannelFutures.toCompletable(pair.client.channel.writeAndFlush(more));
        });
        harness.onLoop(pair.server.channel, () -> {
            pair.server.channel.config().setAutoRead(true);
            pair.server.channel.read();
            return null;
        });
        // Not awaitBytes: it would stop at the first wrong byte with a message about order, not about the end.
        harness.await(pair.server.tail.peerEnded(), "the server seeing the client's end, after the " + written
                + " bytes written before it");
        Object outcome = harness.await(late.handle((v, e) -> e == null ? "succeeded" : e),
                "the write issued right behind EndOfOutput settling");
        harness.onLoop(pair.server.channel, () -> null);
        Long clear = pair.server.wiretap.seen().getNow(null);
        assertTrue(clear == null, () -> "the bytes of a write issued after EndOfOutput crossed the wire in the"
                + " clear (the server's transport delivered them at byte " + clear + "): a transform must refuse"
                + " writes after its end itself, not pass them on unprotected to a transport that may still be"
                + " flushing what came before");
        AssertionError arrived = pair.server.tail.mismatch();
        assertTrue(arrived == null, () -> "bytes written after EndOfOutput reached the server's next layer as data:"
                + " " + arrived.getMessage());
        assertTrue(outcome instanceof Throwable, "a write issued right after EndOfOutput succeeded: writes after"
                + " the end of output must fail, as on a shut-down socket (a transform with an end marker refuses"
                + " them itself: the transport may still be flushing what came before when they arrive)");
        assertEquals(written, pair.server.tail.received(), "the server's next layer got " + pair.server.tail.received()
                + " bytes, but the client wrote " + written + " before EndOfOutput");
    }

    // ---- helpers ----

    /** Both ends of one composed connection. */
    private record Pair(Peer client, Peer server) {
    }

    private Pair pair(Setup serverSetup, Setup clientSetup) {
        return connect(listen(server, serverSetup), clientSetup);
    }

    private Pair connect(Server listening, Setup clientSetup) {
        return connect(listening, printed(server), clientSetup);
    }

    /** Dials {@code listening} as the client instance, asking for the transform section {@code section}. */
    private Pair connect(Server listening, Section section, Setup clientSetup) {
        int index = listening.acceptedCount();
        Transform.Target target = target(client, section);
        Peer c = harness.await(harness.connect(endpoint(listening), clientSetup, target::wrapClient),
                "a connect to " + listening.address());
        Peer s = harness.await(listening.accepted(index), "the accepted connection");
        return new Pair(c, s);
    }

    /** A pair whose wraps completed and which carried a byte each way, so no handshake step is still pending. */
    private Pair settledPair() {
        BytePattern up = new BytePattern(121);
        BytePattern down = new BytePattern(122);
        Pair pair = pair(Setup.plain().expect(up), Setup.plain().expect(down));
        harness.await(pair.client.layer, "wrapClient");
        harness.await(pair.server.layer, "wrapServer");
        exchange(pair, up, down, 1);
        return pair;
    }

    private Server listen(Transform wrapping, Setup setup) {
        return harness.listen(transport, setup, wrapping::wrapServer);
    }

    private Transport.Endpoint endpoint(Server listening) {
        Section address = listening.address();
        return transport.parse(address).orElseThrow(() -> new AssertionError("the transport under the transform"
                + " does not parse the address it printed: " + address));
    }

    private static Section printed(Transform transform) {
        return transform.stringify(Scope.DEVICE).orElseThrow(() -> new AssertionError("stringify(device) is empty:"
                + " the platform leaves a stack out of its address when a transform prints nothing"));
    }

    private static Transform.Target target(Transform transform, Section section) {
        return transform.parse(section).orElseThrow(() -> new AssertionError("parse('" + section + "') says 'not"
                + " mine' for a section this transform printed"));
    }

    /** The wrap must fail, the channel close, both within the short deadline plus the kit's timeout. */
    private void expectDropped(Peer peer, String what) {
        Duration within = harness.shortDeadline().plus(harness.timeout);
        harness.awaitFailure(peer.layer, within, what + " (handshake deadline " + harness.shortDeadline().toMillis()
                + " ms)");
        harness.awaitClosed(peer.channel, what + ": the channel");
    }

    private void exchange(Pair pair, BytePattern up, BytePattern down, long size) {
        CompletableFuture<Long> sending = PatternWriter.write(pair.client.channel, pair.client.tail, up, 0, size,
                false);
        CompletableFuture<Long> answering = PatternWriter.write(pair.server.channel, pair.server.tail, down, 0, size,
                false);
        harness.awaitBytes(pair.server.tail, size, "the server receiving " + size + " bytes through the transform");
        harness.awaitBytes(pair.client.tail, size, "the client receiving " + size + " bytes through the transform");
        harness.await(sending, "the client's writes completing");
        harness.await(answering, "the server's writes completing");
        assertEquals(size, pair.server.tail.received(), "the server received more bytes than the client wrote");
        assertEquals(size, pair.client.tail.received(), "the client received more bytes than the server wrote");
        assertFalse(pair.client.channel.closeFuture().isDone(), "the client channel closed during the exchange");
    }
}
