package org.multiserver.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.multiserver.conformance.Fixtures.APP_KEY;
import static org.multiserver.conformance.Fixtures.KEY;
import static org.multiserver.conformance.Fixtures.SEED;
import static org.multiserver.conformance.Fixtures.WAIT;
import static org.multiserver.conformance.Fixtures.await;
import static org.multiserver.conformance.Fixtures.b64;
import static org.multiserver.conformance.Fixtures.builder;
import static org.multiserver.conformance.Fixtures.exchange;
import static org.multiserver.conformance.Fixtures.failure;
import static org.multiserver.conformance.Fixtures.messages;
import static org.multiserver.conformance.Fixtures.port;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.address.Address;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.Section;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.net.NetOptions;
import org.multiserver.onion.OnionTransportProvider;
import org.multiserver.shs.ShsAuthorizer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;
import org.multiserver.testing.NodeProcess;
import org.multiserver.ws.WsOptions;
import org.multiserver.ws.WsTransportProvider;

/**
 * test/plugs.js, one test per tape test, in its order. Where the behaviour is about the wire, the other end is the
 * JS reference from interop/js (multiserver 3.8.2, secret-handshake 1.1.21) as a separate node process; where it is
 * about what a server prints, our MultiServer is asked as a user would. JS binds fixed ports (4848...); we bind port
 * 0 and compare with the port we got. Deliberate differences are listed in interop/README.md.
 */
@Timeout(120)
class PlugsTest {
    private static final String K = Pattern.quote(KEY);

    private final List<MultiServer> servers = new ArrayList<>();
    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();

    @AfterEach
    void closeAll() {
        Collections.reverse(servers);
        servers.forEach(MultiServer::close);
    }

    private MultiServer keep(MultiServer ms) {
        servers.add(ms);
        return ms;
    }

    /** Builds and listens, handing every connection to {@code accepted} and then to the upper-casing echo. */
    private MultiServer.Listening serve(MultiServer.Builder builder) throws Exception {
        return serve(builder, true);
    }

    private MultiServer.Listening serve(MultiServer.Builder builder, boolean upperCase) throws Exception {
        return await(keep(builder.build()).listen(c -> {
            accepted.add(c);
            if (upperCase) {
                Fixtures.upperCaseEcho(c);
            } else {
                Fixtures.echo(c);
            }
        }));
    }

    private MultiServer client(String... stacks) {
        MultiServer.Builder b = builder();
        for (String s : stacks) {
            b.listen(s);
        }
        return keep(b.build());
    }

    /** A plugin on its own, to ask what it parses (the JS tests call a plugin's {@code parse}). */
    private static Transport transport(org.multiserver.spi.TransportProvider provider) {
        return provider.create(PluginContext.builder()
                .eventLoopGroup(LOOPS, NioSocketChannel.class, NioServerSocketChannel.class).build());
    }

    private static final EventLoopGroup LOOPS = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterAll
    static void shutDownLoops() {
        LOOPS.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    // ---- parse, stringify ----

    @Test
    @DisplayName("plugs.js: parse, stringify")
    void parseStringify() throws Exception {
        Fixtures.assertKeyIsTheSuites();
        MultiServer.Listening l = serve(builder().listen("net:localhost:0~shs").listen("ws://localhost:0~shs"));
        String all = l.stringify(Scope.DEVICE);
        String[] alternatives = all.split(";");
        assertThat(alternatives).hasSize(2);
        String net = alternatives[0].split("~")[0];
        String ws = alternatives[1].split("~")[0];
        assertThat(net).matches("net:localhost:\\d+");
        assertThat(ws).matches("ws://localhost:\\d+");
        assertThat(alternatives[0]).isEqualTo(net + "~shs:" + KEY);
        assertThat(alternatives[1]).isEqualTo(ws + "~shs:" + KEY);
        assertThat(all).isEqualTo(alternatives[0] + ";" + alternatives[1]);
    }

    // ---- echo over net~shs, IPv6 ----

    @Test
    @DisplayName("plugs.js: combined")
    void combined() throws Exception {
        try (NodeProcess js = Fixtures.jsEchoServer("net")) {
            String address = js.await("listening", WAIT).path("address").asText();
            assertThat(address).endsWith("~shs:" + KEY);
            Connection c = await(client("net~shs").connect(address));
            assertThat(c.peerIdentity()).contains(KEY);
            assertThat(exchange(c, "hello world")).isEqualTo("hello world"); // the JS peer echoes as it came
            assertThat(js.await("connection", WAIT).path("remote").asText()).isEqualTo(KEY);
        }
    }

    @Test
    @DisplayName("plugs.js: combined, ipv6")
    void combinedIpv6() throws Exception {
        MultiServer.Listening l = serve(builder().listen("net:[::]:0~shs"));
        String device = l.stringify(Scope.DEVICE);
        Connection c = await(client("net~shs").connect(device));
        assertThat(c.remoteAddress()).as("has an address").isNotNull();
        assertThat(exchange(c, "hello world")).isEqualTo("HELLO WORLD");
        // The JS client over IPv6 loopback, in the unbracketed form it dials.
        String v6 = "net:::1:" + port(device) + "~shs:" + KEY;
        try (NodeProcess js = NodeProcess.start("js", "client.js", v6, "--app-key", APP_KEY, "--stdio")) {
            js.stdinAndClose("hello world\n".getBytes(StandardCharsets.UTF_8));
            assertThat(js.awaitExit(WAIT)).as(js.output()).isZero();
            assertThat(js.stdout()).isEqualTo("HELLO WORLD\n");
        }
    }

    @Test
    @DisplayName("plugs.js: stringify() does not show scopeid from ipv6")
    void stringifyDoesNotShowScopeidFromIpv6() throws Exception {
        // Printed names: an external host with a zone id is printed without it.
        MultiServer.Listening l = serve(builder()
                .option(NetOptions.EXTERNAL, List.of("fe80::1065:74a4:4016:6266%wlan0"))
                .listen("net:127.0.0.1:0~shs", Set.of(Scope.PUBLIC)));
        assertThat(l.stringify(Scope.PUBLIC))
                .isEqualTo("net:fe80::1065:74a4:4016:6266:" + port(l.stringify(Scope.PUBLIC)) + "~shs:" + KEY);
        // A real bind, as plugs.js does, on this machine's own link-local address with its zone, if it has one.
        Inet6Address linkLocal = linkLocalAddress();
        if (linkLocal != null) {
            String zoned = linkLocal.getHostAddress(); // fe80:0:0:0:...%eth0
            String bare = zoned.substring(0, zoned.indexOf('%'));
            String printed = io.netty.util.NetUtil.toAddressString(InetAddress.getByName(bare));
            MultiServer.Listening bound = serve(builder().listen("net:" + zoned + ":0~shs", Set.of(Scope.PRIVATE)));
            String address = bound.stringify(Scope.PRIVATE);
            assertThat(address).isEqualTo("net:" + printed + ":" + port(address) + "~shs:" + KEY)
                    .doesNotContain("%");
        }
    }

    // ---- which interfaces, listen errors, external names ----

    @Test
    @DisplayName("plugs.js: net: do not listen on all addresses")
    void netDoNotListenOnAllAddresses() throws Exception {
        MultiServer.Listening l = serve(builder().listen("net:localhost:0~shs", Set.of(Scope.DEVICE)));
        int port = port(l.stringify(Scope.DEVICE));
        MultiServer client = client("net~shs");
        assertThat(await(client.connect(l.stringify(Scope.DEVICE))).peerIdentity()).contains(KEY);
        // Another address of this machine: 127.0.0.2 is on the loopback interface too, but not the bound one.
        List<String> others = new ArrayList<>(List.of("127.0.0.2"));
        others.addAll(nonLoopbackAddresses());
        for (String host : others) {
            String other = "net:" + host + ":" + port + "~shs:" + KEY;
            // Refused on loopback; another interface might drop instead, so any failure that names the address.
            assertThat(messages(failure(client.connect(other)))).as(other).contains(other.split("~")[0] + ": ");
        }
        assertThat(l.stringify(Scope.LOCAL)).as("nothing printed for the LAN").isEmpty();
    }

    @Test
    @DisplayName("plugs.js: net: do not crash if listen() fails")
    void netDoNotCrashIfListenFails() throws Exception {
        MultiServer ms = keep(builder().listen("net:127.0.0.1:0~shs").listen("net:nowhere.invalid:0~shs").build());
        // plugs.js's own host, '$not-a-valid-ip-addr$', is refused before any lookup, at its column.
        assertThatThrownBy(() -> builder().listen("net:$not-a-valid-ip-addr$:0~shs").build())
                .isInstanceOf(AddressSyntaxException.class).hasMessageContaining("column 5");
        Throwable error = failure(ms.listen(Fixtures::upperCaseEcho));
        assertThat(messages(error)).contains("could not listen on net~shs")
                .contains("cannot resolve host 'nowhere.invalid'");
        // Nothing crashed: the same process serves on.
        MultiServer.Listening l = serve(builder().listen("net:127.0.0.1:0~shs"));
        assertThat(exchange(await(client("net~shs").connect(l.stringify(Scope.DEVICE))), "ok")).isEqualTo("OK");
    }

    @Test
    @DisplayName("plugs.js: net: stringify support external being a string")
    void netStringifySupportExternalBeingAString() throws Exception {
        MultiServer.Listening l = serve(builder().option("net.external", "scuttlebutt.nz")
                .listen("net:localhost:0~shs", Set.of(Scope.PUBLIC)));
        String address = l.stringify(Scope.PUBLIC);
        assertThat(address).isEqualTo("net:scuttlebutt.nz:" + port(address) + "~shs:" + KEY);
    }

    // ---- unix, ws, wrong protocol, seeds ----

    @Test
    @DisplayName("plugs.js: combined, unix")
    void combinedUnix() throws Exception {
        MultiServer.Listening l = serve(builder().listen("unix~shs"));
        String address = l.stringify(Scope.DEVICE);
        assertThat(address).matches("unix:/.+~shs:" + K);
        Connection c = await(client("unix~shs").connect(address));
        assertThat(c.remoteAddress().toString()).as("has an address").startsWith("unix:");
        assertThat(exchange(c, "hello world")).isEqualTo("HELLO WORLD");
        // The JS unix-socket plugin's server, dialled by ours.
        try (NodeProcess js = NodeProcess.start("js", "unix-echo-server.js", "--seed", b64(SEED),
                "--app-key", APP_KEY)) {
            String jsAddress = js.await("listening", WAIT).path("address").asText();
            assertThat(jsAddress).matches("unix:/.+/socket~shs:" + K);
            Connection toJs = await(client("unix~shs").connect(jsAddress));
            assertThat(toJs.remoteAddress().toString()).isEqualTo(jsAddress);
            assertThat(exchange(toJs, "hello world")).isEqualTo("hello world");
            assertThat(js.await("connection", WAIT).path("remote").asText()).isEqualTo(KEY);
        }
    }

    @Test
    @DisplayName("plugs.js: ws with combined")
    void wsWithCombined() throws Exception {
        try (NodeProcess js = Fixtures.jsEchoServer("ws")) {
            String address = js.await("listening", WAIT).path("address").asText();
            assertThat(address).startsWith("ws://").endsWith("~shs:" + KEY);
            Connection c = await(client("ws~shs").connect(address));
            assertThat(c.remoteAddress().toString()).as("has an address").startsWith("ws://");
            assertThat(exchange(c, "hello world")).isEqualTo("hello world");
            assertThat(js.await("connection", WAIT).path("address").asText()).as("has an address on the server")
                    .startsWith("ws");
        }
    }

    @Test
    @DisplayName("plugs.js: error if try to connect on wrong protocol")
    void errorIfTryToConnectOnWrongProtocol() throws Exception {
        MultiServer.Listening l = serve(builder().listen("net:127.0.0.1:0~shs"));
        String net = l.stringify(Scope.DEVICE);
        assertThat(transport(new WsTransportProvider()).parse(Address.parse(net).transport()))
                .as("ws's parse of a net address").isEmpty();
        Throwable error = failure(client("ws~shs").connect(net));
        assertThat(messages(error)).contains(net).contains("no stack for net~shs");
    }

    @Test
    @DisplayName("plugs.js: shs with seed")
    void shsWithSeed() throws Exception {
        byte[] seed = Fixtures.sha256("TEST SEED");
        String bob = ShsKeyPair.fromSeed(seed).publicKeyBase64();
        List<String> checked = new CopyOnWriteArrayList<>();
        ShsAuthorizer check = key -> {
            checked.add(key);
            return CompletableFuture.completedFuture(key.equals(bob));
        };
        MultiServer.Listening l = serve(builder().option(ShsTransformProvider.AUTHORIZE, check)
                .listen("net:127.0.0.1:0~shs"), false);
        String withSeed = l.stringify(Scope.DEVICE) + ":" + b64(seed);

        Connection c = await(client("net~shs").connect(withSeed));
        assertThat(checked).containsExactly(bob);
        c.close();
        try (NodeProcess js = NodeProcess.start("js", "client.js", withSeed, "--app-key", APP_KEY, "--bytes", "5")) {
            assertThat(js.awaitExit(WAIT)).as(js.output()).isZero();
        }
        assertThat(checked).containsExactly(bob, bob);
    }

    // ---- ws printing ----

    @Test
    @DisplayName("plugs.js: ws default port")
    void wsDefaultPort() throws Exception {
        assertThat(transport(new WsTransportProvider()).parse(Section.parse("ws://domain.de:80")).orElseThrow()
                .section().toString()).isEqualTo("ws://domain.de");
        // A test cannot bind port 80: the server side is a public-scope server with an external name.
        assertExternal(WsOptions.EXTERNAL, List.of("domain.de"), "ws://127.0.0.1:0", "ws://domain.de:P");
    }

    @Test
    @DisplayName("plugs.js: wss default port")
    void wssDefaultPort() throws Exception {
        assertThat(transport(new WsTransportProvider()).parse(Section.parse("wss://domain.de:443")).orElseThrow()
                .section().toString()).isEqualTo("wss://domain.de");
        assertThat(transport(new WsTransportProvider()).parse(Section.parse("wss://domain.de:80")).orElseThrow()
                .section().toString()).as("80 is not wss's default").isEqualTo("wss://domain.de:80");
    }

    @Test
    @DisplayName("plugs.js: wss with key and cert")
    void wssWithKeyAndCert(@TempDir Path dir) throws Exception {
        KeytoolCertificate cert = KeytoolCertificate.create(dir);
        MultiServer.Builder b = builder().option(WsOptions.TLS_CERT, cert.cert().toString())
                .option(WsOptions.TLS_KEY, cert.key().toString())
                .stack(new WsTransportProvider(), new ShsTransformProvider());
        MultiServer.Listening l = serve(b);
        String address = l.stringify(Scope.DEVICE);
        assertThat(address).matches("wss://127\\.0\\.0\\.1:\\d+~shs:" + K);
        MultiServer client = keep(builder().option(WsOptions.TLS_TRUST, cert.cert().toString()).listen("ws~shs")
                .build());
        assertThat(exchange(await(client.connect(address)), "over tls")).isEqualTo("OVER TLS");
    }

    // ---- onion ----

    @Test
    @DisplayName("plugs.js: onion plug")
    void onionPlug() {
        Transport onion = transport(new OnionTransportProvider());
        String v3 = "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion";
        Section parsed = onion.parse(Section.parse("onion:" + v3 + ":2349")).orElseThrow().section();
        assertThat(parsed.name()).isEqualTo("onion");
        assertThat(parsed.data()).containsExactly(v3, "2349");
        // Deliberate difference: the JS test's address is a v2 onion (16 characters), which tor no longer serves.
        assertThatThrownBy(() -> onion.parse(Section.parse("onion:3234j5sv346bpih2.onion:2349")))
                .isInstanceOf(AddressSyntaxException.class).hasMessageContaining("v2 onion address");
        assertThat(onion.parse(Section.parse("net:127.0.0.1:2349"))).isEmpty();
    }

    // ---- the server side's address ----

    @Test
    @DisplayName("plugs.js: id of stream from server (net)")
    void idOfStreamFromServer_net() throws Exception {
        idOfStreamFromServer("net:127.0.0.1:0~shs", "net", "client.js", "--transport", "net");
    }

    @Test
    @DisplayName("plugs.js: id of stream from server (ws)")
    void idOfStreamFromServer_ws() throws Exception {
        idOfStreamFromServer("ws://127.0.0.1:0~shs", "ws", "ws-client.js");
    }

    /** Both clients use the suite's key pair, as plugs.js's one shs does: their shs section is the server's own. */
    private void idOfStreamFromServer(String spec, String name, String script, String... args) throws Exception {
        MultiServer.Listening l = serve(builder().listen(spec), false);
        String address = l.stringify(Scope.DEVICE);
        Section ownShs = Address.parse(address).transforms().get(0);
        int port = port(address);

        Connection c = await(client(name + "~shs").connect(address));
        assertThat(c.remoteAddress().transport().name()).isEqualTo(name);
        assertThat(port(c.remoteAddress().toString())).isEqualTo(port);
        assertThat(c.remoteAddress().transforms()).containsExactly(ownShs);
        assertServerSide(name, ownShs);
        c.close();

        List<String> command = new ArrayList<>(List.of(address));
        command.addAll(List.of(args));
        command.addAll(List.of("--seed", b64(SEED), "--app-key", APP_KEY, "--bytes", "5"));
        try (NodeProcess js = NodeProcess.start("js", script, command.toArray(String[]::new))) {
            Address seenByJs = Address.parse(js.await("connected", WAIT).path("address").asText());
            assertThat(seenByJs.transport().name()).isEqualTo(name);
            assertThat(port(seenByJs.toString())).isEqualTo(port);
            assertThat(seenByJs.transforms()).containsExactly(ownShs);
            assertThat(js.awaitExit(WAIT)).as(js.output()).isZero();
        }
        assertServerSide(name, ownShs);
    }

    private void assertServerSide(String name, Section ownShs) throws InterruptedException {
        Connection there = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(there).isNotNull();
        Address seen = Address.parse(there.remoteAddress().toString()); // it parses back
        assertThat(seen.transport().name()).isEqualTo(name);
        assertThat(seen.transforms()).containsExactly(ownShs);
    }

    // ---- aborting a connect ----

    @Test
    @DisplayName("plugs.js: combined, aborted")
    void combinedAborted() throws Exception {
        aborted("net:127.0.0.1:0~shs", "net~shs");
    }

    @Test
    @DisplayName("plugs.js: combined.ws, aborted")
    void combinedWsAborted() throws Exception {
        aborted("ws://127.0.0.1:0~shs", "ws~shs");
    }

    /**
     * The aborted client has a key of its own, which the server's authorizer holds in the handshake: the abort comes
     * while the connect is surely in flight, and the server must see that client hang up (not wait for its deadline).
     */
    private void aborted(String spec, String stack) throws Exception {
        ShsKeyPair aborter = ShsKeyPair.fromSeed(Fixtures.sha256("ABORTED"));
        CountDownLatch inHandshake = new CountDownLatch(1);
        ShsAuthorizer holdTheAborter = key -> {
            if (key.equals(aborter.publicKeyBase64())) {
                inHandshake.countDown();
                return new CompletableFuture<>(); // never answered
            }
            return CompletableFuture.completedFuture(true);
        };
        BlockingQueue<ServerError> errors = new LinkedBlockingQueue<>();
        MultiServer.Listening l = serve(builder().option(ShsTransformProvider.AUTHORIZE, holdTheAborter)
                .handshakeTimeout(java.time.Duration.ofMinutes(5))
                .onServerError((peer, shape, error) -> errors.add(new ServerError(peer, shape, error)))
                .listen(spec));
        String address = l.stringify(Scope.DEVICE);
        // Its own deadline far away: only the abort can end its connect within the wait.
        MultiServer abortingClient = keep(MultiServer.builder().identity(aborter.identity())
                .handshakeTimeout(java.time.Duration.ofMinutes(5))
                .option(ShsTransformProvider.APP_KEY, APP_KEY).listen(stack).build());

        CompletableFuture<Connection> attempt = abortingClient.connect(address);
        assertThat(inHandshake.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the aborter reached the server").isTrue();
        assertThat(attempt.cancel(true)).isTrue();
        assertThat(failure(attempt)).isInstanceOf(CancellationException.class);
        ServerError e = errors.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(e).as("the server saw the aborted connection end").isNotNull();
        assertThat(messages(e.error())).contains("hung up");

        Connection later = await(client(stack).connect(address));
        assertThat(exchange(later, "after")).isEqualTo("AFTER");
        assertThat(accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS).peerIdentity())
                .as("the only connection the server handed on").contains(KEY);
    }

    // ---- a failed handshake's error names the peer ----

    @Test
    @DisplayName("plugs.js: error should have client address on it:net")
    void errorShouldHaveClientAddressOnIt_net() throws Exception {
        errorHasClientAddress("net:127.0.0.1:0~shs", "net", "client.js", "--transport", "net");
    }

    @Test
    @DisplayName("plugs.js: error should have client address on it:ws")
    void errorShouldHaveClientAddressOnIt_ws() throws Exception {
        errorHasClientAddress("ws://127.0.0.1:0~shs", "ws", "ws-client.js");
    }

    private record ServerError(String peer, String stack, Throwable error) {
    }

    private void errorHasClientAddress(String spec, String type, String script, String... args) throws Exception {
        BlockingQueue<ServerError> errors = new LinkedBlockingQueue<>();
        ShsAuthorizer never = key -> {
            throw new AssertionError("should never happen");
        };
        MultiServer.Listening l = serve(builder().option(ShsTransformProvider.AUTHORIZE, never)
                .onServerError((peer, stack, error) -> errors.add(new ServerError(peer, stack, error)))
                .listen(spec));
        // plugs.js: very unlikely this is the address, which will give a wrong number at the server.
        String wrong = l.stringify(Scope.DEVICE).replaceFirst("shs:........", "shs:XXXXXXXX");
        List<String> command = new ArrayList<>(List.of(wrong));
        command.addAll(List.of(args));
        command.addAll(List.of("--app-key", APP_KEY, "--bytes", "5"));
        try (NodeProcess js = NodeProcess.start("js", script, command.toArray(String[]::new))) {
            assertThat(js.awaitExit(WAIT)).as("client should see client auth rejected: " + js.output()).isEqualTo(2);
        }
        ServerError e = errors.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        // Deliberate difference: JS puts "net:IP:PORT~shs:" on err.address; our handler gets the peer's transport
        // address and the stack's shape apart, and the error's message names the handshake phase.
        assertThat(e.peer()).matches(type + ":(//)?127\\.0\\.0\\.1:\\d+");
        assertThat(e.stack()).isEqualTo(type + "~shs");
        assertThat(messages(e.error())).startsWith("shs: ").contains("(message 3)");
    }

    // ---- several hosts and scopes ----

    @Test
    @DisplayName("plugs.js: multiple public different hosts")
    void multiplePublicDifferentHosts() throws Exception {
        severalHosts(Set.of(Scope.PUBLIC));
    }

    @Test
    @DisplayName("plugs.js: multiple scopes different hosts")
    void multipleScopesDifferentHosts() throws Exception {
        severalHosts(Set.of(Scope.LOCAL, Scope.DEVICE, Scope.PUBLIC));
    }

    private void severalHosts(Set<Scope> scopes) throws Exception {
        MultiServer.Listening l = serve(builder().listen("net:127.0.0.1:0~shs", scopes)
                .listen("net:::1:0~shs", scopes));
        for (Scope scope : scopes) {
            assertThat(l.stringify(scope)).as("%s", scope)
                    .matches("net:127\\.0\\.0\\.1:\\d+~shs:" + K + ";net:::1:\\d+~shs:" + K);
        }
    }

    // ---- external names, net and ws ----

    @Test
    @DisplayName("plugs.js: net: external is a string")
    void netExternalIsAString() throws Exception {
        assertExternal("net.external", "domain.de", "net:127.0.0.1:0", "net:domain.de:P");
    }

    @Test
    @DisplayName("plugs.js: net: external is an array")
    void netExternalIsAnArray() throws Exception {
        assertExternal(NetOptions.EXTERNAL, List.of("domain.de", "funtime.net"), "net:127.0.0.1:0",
                "net:domain.de:P;net:funtime.net:P");
    }

    @Test
    @DisplayName("plugs.js: net: external is an array w/ a single entry & shs transform")
    void netExternalIsAnArrayWithASingleEntryAndShs() throws Exception {
        assertExternal(NetOptions.EXTERNAL, List.of("domain.de"), "net:127.0.0.1:0~shs",
                "net:domain.de:P~shs:" + KEY);
    }

    @Test
    @DisplayName("plugs.js: net: external is an array w/ multiple entries & shs transform")
    void netExternalIsAnArrayWithMultipleEntriesAndShs() throws Exception {
        assertExternal(NetOptions.EXTERNAL, List.of("domain.de", "funtime.net"), "net:127.0.0.1:0~shs",
                "net:domain.de:P~shs:" + KEY + ";net:funtime.net:P~shs:" + KEY);
    }

    @Test
    @DisplayName("plugs.js: ws: external is a string")
    void wsExternalIsAString() throws Exception {
        assertExternal("ws.external", "domain.de", "ws://127.0.0.1:0", "ws://domain.de:P");
    }

    @Test
    @DisplayName("plugs.js: ws: external is an array")
    void wsExternalIsAnArray() throws Exception {
        assertExternal(WsOptions.EXTERNAL, List.of("domain.de", "funtime.net"), "ws://127.0.0.1:0",
                "ws://domain.de:P;ws://funtime.net:P");
    }

    @Test
    @DisplayName("plugs.js: ws: external is an array w/ a single entry & shs transform")
    void wsExternalIsAnArrayWithASingleEntryAndShs() throws Exception {
        assertExternal(WsOptions.EXTERNAL, List.of("domain.de"), "ws://127.0.0.1:0~shs",
                "ws://domain.de:P~shs:" + KEY);
    }

    @Test
    @DisplayName("plugs.js: ws: external is an array w/ multiple entries & shs transform")
    void wsExternalIsAnArrayWithMultipleEntriesAndShs() throws Exception {
        assertExternal(WsOptions.EXTERNAL, List.of("domain.de", "funtime.net"), "ws://127.0.0.1:0~shs",
                "ws://domain.de:P~shs:" + KEY + ";ws://funtime.net:P~shs:" + KEY);
    }

    /** A public-scope server with external names: {@code expected} with P for its port; nothing for local, device. */
    private void assertExternal(Object option, Object value, String spec, String expected) throws Exception {
        MultiServer.Builder b = builder();
        if (option instanceof String name) {
            b.option(name, (String) value); // as text, the way a command line gives it
        } else {
            @SuppressWarnings("unchecked")
            org.multiserver.spi.Option<Object> typed = (org.multiserver.spi.Option<Object>) option;
            b.option(typed, value);
        }
        MultiServer.Listening l = serve(b.listen(spec, Set.of(Scope.PUBLIC)));
        String printed = l.stringify(Scope.PUBLIC);
        assertThat(printed).isEqualTo(expected.replace(":P", ":" + port(printed)));
        assertThat(l.stringify(Scope.LOCAL)).isEmpty();
        assertThat(l.stringify(Scope.DEVICE)).isEmpty();
    }

    // ---- this machine's addresses ----

    /** This machine's own link-local IPv6 address with its zone, or null. */
    private static Inet6Address linkLocalAddress() throws Exception {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet6Address v6 && v6.isLinkLocalAddress() && v6.getScopedInterface() != null) {
                    return v6;
                }
            }
        }
        return null;
    }

    /** This machine's own addresses outside loopback (dialling them stays on this machine). */
    private static List<String> nonLoopbackAddresses() throws Exception {
        List<String> found = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (!a.isLinkLocalAddress()) {
                    found.add(io.netty.util.NetUtil.toAddressString(a)); // compressed, as our errors print it
                }
            }
        }
        return found;
    }
}
