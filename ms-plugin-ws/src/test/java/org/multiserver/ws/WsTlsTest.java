package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.multiserver.ws.Streams.assertSameBytes;
import static org.multiserver.ws.WsMultiServerTest.connectError;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;
import org.multiserver.testing.NodeProcess;

/** wss: TLS from PEM files, clients that trust a CA file, refuse an unknown certificate, or trust all on request. */
@Timeout(60)
class WsTlsTest {
    @TempDir
    static Path dir;
    static TestCertificate certificate;

    private MultiServer server;
    private MultiServer client;

    @BeforeAll
    static void makeCertificate() throws Exception {
        certificate = TestCertificate.create(dir);
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String wssEchoServer() throws Exception {
        server = MultiServer.builder()
                .option(WsOptions.TLS_CERT, certificate.cert().toString())
                .option(WsOptions.TLS_KEY, certificate.key().toString())
                .listen("wss://127.0.0.1:0").build();
        assertThat(server.stackShapes()).containsExactly("wss");
        String address = server.listen(Streams::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        assertThat(address).matches("wss://127\\.0\\.0\\.1:\\d+");
        return address;
    }

    @Test
    void aClientThatTrustsTheCertificateTalksOverTls() throws Exception {
        String address = wssEchoServer();
        client = MultiServer.builder().option(WsOptions.TLS_TRUST, certificate.cert().toString())
                .listen("ws").build();
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        assertThat(c.remoteAddress().toString()).isEqualTo(address);
        byte[] data = Streams.random(1024 * 1024 + 3, 5);
        assertSameBytes(Streams.echoed(c, data), data);
    }

    @Test
    void anUnknownCertificateIsATlsErrorNamingTheAddress() throws Exception {
        String address = wssEchoServer();
        client = MultiServer.builder().listen("ws").build(); // the JDK's trust store only
        assertThat(connectError(client.connect(address))).contains(address + ": TLS handshake failed");
    }

    @Test
    void theHostNameIsChecked() throws Exception {
        // A trusted certificate that does not name 127.0.0.2 (it names localhost, 127.0.0.1 and ::1).
        server = MultiServer.builder()
                .option(WsOptions.TLS_CERT, certificate.cert().toString())
                .option(WsOptions.TLS_KEY, certificate.key().toString())
                .listen("wss://127.0.0.2:0").build();
        String address = server.listen(Streams::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        assertThat(address).startsWith("wss://127.0.0.2:");
        client = MultiServer.builder().option(WsOptions.TLS_TRUST, certificate.cert().toString())
                .listen("ws").build();
        assertThat(connectError(client.connect(address))).contains(address + ": TLS handshake failed")
                .contains("127.0.0.2");
    }

    @Test
    void trustAllIsAnExplicitOption() throws Exception {
        String address = wssEchoServer();
        client = MultiServer.builder().option(WsOptions.TLS_TRUST_ALL, true).listen("ws").build();
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        assertThat(Streams.echoed(c, new byte[] {9, 8, 7})).containsExactly(9, 8, 7);
    }

    @Test
    void aPlainClientAtATlsPortFailsAndTheServerKeepsServing() throws Exception {
        String address = wssEchoServer();
        client = MultiServer.builder().option(WsOptions.TLS_TRUST, certificate.cert().toString())
                .handshakeTimeout(Duration.ofSeconds(3)).listen("ws").build();
        String plain = address.replace("wss://", "ws://");
        assertThat(connectError(client.connect(plain))).contains(plain + ": ");
        Connection c = client.connect(address).get(10, TimeUnit.SECONDS);
        assertThat(Streams.echoed(c, new byte[] {1})).containsExactly(1);
    }

    @Test
    void wssWithoutACertificateCannotListen() {
        server = MultiServer.builder().listen("wss://127.0.0.1:0").build();
        assertThatThrownBy(() -> server.listen(Streams::echo).get(10, TimeUnit.SECONDS))
                .cause().hasMessageContaining("could not listen on wss")
                .hasMessageContaining("ws.tls-cert").hasMessageContaining("ws.tls-key");
    }

    @Test
    void aMissingTrustFileIsNamed() throws Exception {
        String address = wssEchoServer();
        client = MultiServer.builder().option(WsOptions.TLS_TRUST, dir.resolve("nope.pem").toString())
                .listen("ws").build();
        assertThat(connectError(client.connect(address))).contains("ws.tls-trust").contains("nope.pem");
    }

    /** The real JS client over wss, trusting our certificate through NODE_EXTRA_CA_CERTS. */
    @Test
    void theJsClientTalksToAJavaWssServer() throws Exception {
        server = MultiServer.builder()
                .option(WsOptions.TLS_CERT, certificate.cert().toString())
                .option(WsOptions.TLS_KEY, certificate.key().toString())
                .listen("wss://127.0.0.1:0~shs").build();
        String address = server.listen(Streams::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        assertThat(address).startsWith("wss://127.0.0.1:");
        try (NodeProcess js = NodeProcess.start("js", Map.of("NODE_EXTRA_CA_CERTS", certificate.cert().toString()),
                "ws-client.js", address, "--bytes", Integer.toString(1024 * 1024))) {
            JsonNode done = js.await("done", Duration.ofSeconds(60));
            assertThat(done.path("received").asLong()).isEqualTo(1024 * 1024);
            assertThat(js.awaitExit(Duration.ofSeconds(30))).as(js.output()).isZero();
        }
    }
}
