package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.address.Address;
import org.multiserver.address.Section;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.testing.NodeProcess;

/**
 * Our handshake and box-stream against the real JS {@code multiserver} 3.8.2 / {@code secret-handshake} 1.1.21 on
 * {@code net~shs}, over TCP on 127.0.0.1, each JS peer a separate node process (interop/js). Java side: a plain
 * Netty pipeline (half-close handler, handshake handler, application).
 */
@Timeout(120)
class JsInteropTest {
    /** multiserver's default: the SSB main network. */
    private static final byte[] SSB_APP_KEY =
            Base64.getDecoder().decode("1KHLiKZvAvjbY1ziZEHMXawbCEIM6qwjCDm3VYRan/s=");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Loopback LOOPBACK = new Loopback();

    @AfterAll
    static void shutdown() {
        LOOPBACK.close();
    }

    // ---- JS server, Java client ----

    @Test
    void jsServer_javaClient_severalMiBBothWays_cleanEndEachWay() throws Exception {
        byte[] serverSeed = random(32);
        ShsKeyPair clientKeys = ShsKeyPair.generate();
        try (NodeProcess js = NodeProcess.start("js", "echo-server.js", "--seed", b64(serverSeed))) {
            JsAddress address = JsAddress.of(js.await("listening", WAIT));
            assertThat(address.key).isEqualTo(ShsKeyPair.fromSeed(serverSeed).publicKey());

            Loopback.Peer client = LOOPBACK.connect(address.socket, SSB_APP_KEY, clientKeys, address.key,
                    Duration.ofSeconds(10));
            assertThat(client.handshake().get(10, TimeUnit.SECONDS)).isEqualTo(address.key);
            assertThat(js.await("connection", WAIT).path("remote").asText())
                    .isEqualTo(clientKeys.publicKeyBase64());

            long total = 4L * 1024 * 1024 + 3 * 4097 + 1;
            client.app().expect(total);
            Loopback.sendPatternAndEnd(client.channel(), total, 9_999);
            byte[] echoed = client.app().allReceived.get(60, TimeUnit.SECONDS);
            assertThat(echoed.length).isEqualTo(total);
            assertThat(TestBytes.firstMismatch(echoed)).isEqualTo(-1);
            // Our goodbye ended the JS source cleanly (no "stream-error"), and its goodbye ended ours.
            assertThat(js.await("end", WAIT).path("bytes").asLong()).isEqualTo(total);
            client.app().inputEnded.get(10, TimeUnit.SECONDS);
            assertThat(client.app().error).isNotDone();
            client.channel().close().sync();
        }
    }

    /** Through the transform: the Java client dials the invite form shs:<key>:<seed> the JS server printed + seed. */
    @Test
    void jsServer_javaClientWithInviteSeed_isKnownByTheSeedsKey() throws Exception {
        byte[] inviteSeed = random(32);
        Transform transform = new ShsTransformProvider().create(context().build());
        try (NodeProcess js = NodeProcess.start("js", "echo-server.js")) {
            JsAddress address = JsAddress.of(js.await("listening", WAIT));
            Section invite = Section.parse(address.shs + ":" + b64(inviteSeed));
            Loopback.Peer client = LOOPBACK.connect(address.socket, transform.parse(invite).orElseThrow());
            assertThat(client.handshake().get(10, TimeUnit.SECONDS)).isEqualTo(address.key);
            assertThat(js.await("connection", WAIT).path("remote").asText())
                    .isEqualTo(ShsKeyPair.fromSeed(inviteSeed).publicKeyBase64());
            client.channel().close().sync();
        }
    }

    @Test
    void jsServer_javaClientDiallingTheWrongKey_failsBothSides() throws Exception {
        try (NodeProcess js = NodeProcess.start("js", "echo-server.js")) {
            JsAddress address = JsAddress.of(js.await("listening", WAIT));
            Loopback.Peer client = LOOPBACK.connect(address.socket, SSB_APP_KEY, ShsKeyPair.generate(),
                    ShsKeyPair.generate().publicKey(), Duration.ofSeconds(10));
            assertFails(client.handshake(), "shs: server rejected client auth (message 3)");
            assertThat(js.await("handshake-error", WAIT).path("message").asText())
                    .startsWith("shs.server: client hello invalid (phase 3)");
        }
    }

    @Test
    void jsServer_javaClientWithAnotherAppKey_failsBothSides() throws Exception {
        try (NodeProcess js = NodeProcess.start("js", "echo-server.js")) {
            JsAddress address = JsAddress.of(js.await("listening", WAIT));
            Loopback.Peer client = LOOPBACK.connect(address.socket, random(32), ShsKeyPair.generate(), address.key,
                    Duration.ofSeconds(10));
            assertFails(client.handshake(), "shs: the server hung up instead of sending its challenge (message 2)");
            assertThat(js.await("handshake-error", WAIT).path("message").asText())
                    .startsWith("shs.server: client sent invalid challenge (phase 1)");
        }
    }

    @Test
    void jsServerThatDenies_failsTheJavaClientAtMessage3() throws Exception {
        try (NodeProcess js = NodeProcess.start("js", "echo-server.js", "--deny")) {
            JsAddress address = JsAddress.of(js.await("listening", WAIT));
            Loopback.Peer client = LOOPBACK.connect(address.socket, SSB_APP_KEY, ShsKeyPair.generate(), address.key,
                    Duration.ofSeconds(10));
            assertFails(client.handshake(), "shs: server rejected client auth (message 3)");
            assertThat(js.await("handshake-error", WAIT).path("message").asText())
                    .startsWith("shs.server: we did not authorize the client (phase 4)");
        }
    }

    // ---- Java server, JS client ----

    @Test
    void javaServer_jsClient_severalMiBBothWays_cleanEndEachWay() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        byte[] clientSeed = random(32);
        Loopback.Server server = LOOPBACK.echoServer(SSB_APP_KEY, serverKeys,
                key -> CompletableFuture.completedFuture(true), Duration.ofSeconds(10));
        try (NodeProcess js = NodeProcess.start("js", "client.js", address(server), "--seed", b64(clientSeed),
                "--bytes", Long.toString(3L * 1024 * 1024 + 7), "--chunk", "4099")) {
            Loopback.Peer accepted = server.next();
            assertThat(accepted.handshake().get(10, TimeUnit.SECONDS))
                    .isEqualTo(ShsKeyPair.fromSeed(clientSeed).publicKey());
            assertThat(js.await("connected", WAIT).path("remote").asText())
                    .isEqualTo(serverKeys.publicKeyBase64());
            JsonNode done = js.await("done", Duration.ofSeconds(60));
            assertThat(done.path("received").asLong()).isEqualTo(3L * 1024 * 1024 + 7);
            assertThat(js.awaitExit(WAIT)).as(js.stderr()).isZero(); // 0: the echo matched and ended cleanly
            accepted.app().inputEnded.get(10, TimeUnit.SECONDS);      // the JS goodbye reached us
            assertThat(accepted.app().error).isNotDone();
        } finally {
            server.channel().close().sync();
        }
    }

    @Test
    void javaServer_jsClientOnStdio_endsCleanly() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        Loopback.Server server = LOOPBACK.echoServer(SSB_APP_KEY, serverKeys,
                key -> CompletableFuture.completedFuture(true), Duration.ofSeconds(10));
        try (NodeProcess js = NodeProcess.start("js", "client.js", address(server), "--stdio")) {
            js.stdinAndClose("hello over shs\n".getBytes(StandardCharsets.UTF_8));
            assertThat(js.awaitExit(WAIT)).as(js.stderr()).isZero();
            assertThat(js.stdout()).isEqualTo("hello over shs\n");
        } finally {
            server.channel().close().sync();
        }
    }

    /** Through the transform: the JS client dials shs:<key>:<seed>; we see the seed's key as its identity. */
    @Test
    void javaServer_jsClientWithInviteSeed_authenticatesAsTheSeedsKey() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        byte[] inviteSeed = random(32);
        Transform transform = new ShsTransformProvider().create(context()
                .option(ShsTransformProvider.KEYS, serverKeys).build());
        Loopback.Server server = LOOPBACK.echoServer(transform, serverKeys);
        try (NodeProcess js = NodeProcess.start("js", "client.js", address(server) + ":" + b64(inviteSeed),
                "--bytes", "5000")) {
            Loopback.Peer accepted = server.next();
            assertThat(accepted.handshake().get(10, TimeUnit.SECONDS))
                    .isEqualTo(ShsKeyPair.fromSeed(inviteSeed).publicKey());
            assertThat(js.awaitExit(WAIT)).as(js.stderr()).isZero();
        } finally {
            server.channel().close().sync();
        }
    }

    @Test
    void javaServer_jsClientDiallingTheWrongKey_failsBothSides() throws Exception {
        Loopback.Server server = LOOPBACK.echoServer(SSB_APP_KEY, ShsKeyPair.generate(),
                key -> CompletableFuture.completedFuture(true), Duration.ofSeconds(10));
        String wrong = "net:127.0.0.1:" + server.address().getPort() + "~shs:"
                + ShsKeyPair.generate().publicKeyBase64();
        try (NodeProcess js = NodeProcess.start("js", "client.js", wrong)) {
            assertFails(server.next().handshake(), "shs: client auth invalid (message 3)");
            assertThat(js.awaitExit(WAIT)).isEqualTo(2);
            assertThat(js.stderr()).contains("shs.client: server hung up when we sent hello (phase 3)");
        } finally {
            server.channel().close().sync();
        }
    }

    @Test
    void javaServer_jsClientWithAnotherAppKey_failsBothSides() throws Exception {
        Loopback.Server server = LOOPBACK.echoServer(SSB_APP_KEY, ShsKeyPair.generate(),
                key -> CompletableFuture.completedFuture(true), Duration.ofSeconds(10));
        try (NodeProcess js = NodeProcess.start("js", "client.js", address(server), "--app-key", b64(random(32)))) {
            assertFails(server.next().handshake(), "shs: client challenge invalid (message 1)");
            assertThat(js.awaitExit(WAIT)).isEqualTo(2);
            assertThat(js.stderr()).contains("(phase 1)");
        } finally {
            server.channel().close().sync();
        }
    }

    /** Through the transform, with the authorize option: the JS client is refused before message 4. */
    @Test
    void javaServerAuthorizeDenies_jsClientIsHungUpOnBeforeMessage4() throws Exception {
        byte[] clientSeed = random(32);
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        CompletableFuture<String> asked = new CompletableFuture<>();
        Transform transform = new ShsTransformProvider().create(context()
                .option(ShsTransformProvider.KEYS, serverKeys)
                .option(ShsTransformProvider.AUTHORIZE, (ShsAuthorizer) key -> {
                    asked.complete(key);
                    return CompletableFuture.supplyAsync(() -> false); // decided on another thread
                }).build());
        Loopback.Server server = LOOPBACK.echoServer(transform, serverKeys);
        try (NodeProcess js = NodeProcess.start("js", "client.js", address(server), "--seed", b64(clientSeed))) {
            String clientKey = ShsKeyPair.fromSeed(clientSeed).publicKeyBase64();
            assertFails(server.next().handshake(), "shs: client " + clientKey + " not authorized (message 3)");
            assertThat(asked.get(10, TimeUnit.SECONDS)).isEqualTo(clientKey);
            assertThat(js.awaitExit(WAIT)).isEqualTo(2);
            assertThat(js.stderr()).contains("shs.client: server hung up when we sent hello (phase 3)");
        } finally {
            server.channel().close().sync();
        }
    }

    // ---- helpers ----

    private static PluginContext.Builder context() {
        return PluginContext.builder()
                .eventLoopGroup(LOOPBACK.group, NioSocketChannel.class, NioServerSocketChannel.class);
    }

    private static void assertFails(CompletableFuture<byte[]> handshake, String messageStart) {
        assertThatThrownBy(() -> handshake.get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(HandshakeException.class)
                .hasMessageStartingWith(messageStart);
    }

    private static String address(Loopback.Server server) {
        return "net:127.0.0.1:" + server.address().getPort() + "~shs:" + server.keys().publicKeyBase64();
    }

    private static byte[] random(int n) {
        byte[] out = new byte[n];
        RANDOM.nextBytes(out);
        return out;
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The address the JS server printed, {@code net:127.0.0.1:PORT~shs:KEY}, read with our address parser. */
    private record JsAddress(InetSocketAddress socket, byte[] key, String shs) {
        static JsAddress of(JsonNode listening) {
            Address address = Address.parse(listening.path("address").asText());
            Section net = address.transport();
            Section shs = address.transforms().get(0);
            assertThat(net.name()).isEqualTo("net");
            assertThat(shs.name()).isEqualTo("shs");
            byte[] key = KeyText.parseLenient(shs.item(0));
            assertThat(key).hasSize(32);
            return new JsAddress(new InetSocketAddress(net.item(0), Integer.parseInt(net.item(1))), key,
                    shs.toString());
        }
    }
}
