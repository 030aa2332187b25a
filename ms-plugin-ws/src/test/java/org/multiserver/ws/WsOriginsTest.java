package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * The {@link WsOptions#ORIGINS} allow-list, through raw upgrade requests on a socket: a page from an origin not in
 * the list gets 403 and no upgrade, an allowed one and a client without an Origin upgrade, and the server goes on
 * serving. The browser side (a real Chromium page from an allowed origin) is in {@code BrowserWsTest}.
 */
@Timeout(60)
class WsOriginsTest {
    private static final String APP = "http://app.example:8080";
    private MultiServer server;
    private int port;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    /** An echo server on ws://127.0.0.1:0 built by {@code builder}. */
    private void start(MultiServer.Builder builder) throws Exception {
        server = builder.listen("ws://127.0.0.1:0").build();
        String address = server.listen(connection -> {
            try (InputStream in = connection.input()) {
                in.transferTo(connection.output());
                connection.output().close();
            } catch (IOException e) {
                connection.close();
            }
        }).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        port = Integer.parseInt(address.replaceAll(".*:(\\d+)$", "$1"));
    }

    private void startAllowing(List<String> origins) throws Exception {
        start(MultiServer.builder().option(WsOptions.ORIGINS, origins));
    }

    /** Upgrades with {@code headers}, then checks one binary frame comes back and the close is clean. */
    private void assertUpgradesAndEchoes(Map<String, String> headers) throws IOException {
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", headers).status()).as("upgrade with %s", headers).isEqualTo(101);
            ws.send(true, RawWs.BINARY, "hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(ws.read().text()).isEqualTo("hello");
            ws.sendClose(1000);
            assertThat(ws.read().closeStatus()).isEqualTo(1000);
        }
    }

    private void assertForbidden(String request, String origin) throws IOException {
        try (RawWs ws = new RawWs(port)) {
            RawWs.Response response = ws.request(request);
            assertThat(response.status()).isEqualTo(403);
            assertThat(response.headers()).doesNotContainKey("upgrade").doesNotContainKey("sec-websocket-accept");
            assertThat(response.body()).isEqualTo("403 Forbidden: pages from the origin '" + origin
                    + "' may not connect (ws.origins)\n");
            assertThat(ws.readEnd()).as("closed after the 403").isEqualTo(-1);
        }
    }

    @Test
    void aForeignOriginGets403AndNoUpgrade_andTheServerGoesOn() throws Exception {
        startAllowing(List.of(APP));
        assertForbidden(RawWs.upgradeRequest("/", Map.of("Origin", "http://evil.example")), "http://evil.example");
        // A rebinding page: the attacker's name now resolves to 127.0.0.1, but the Origin still says who it is.
        assertForbidden(RawWs.upgradeRequest("/", Map.of("Origin", "http://rebind.attacker.example:8080")),
                "http://rebind.attacker.example:8080");
        assertUpgradesAndEchoes(Map.of("Origin", APP));
    }

    @Test
    void anAllowedOriginUpgrades_comparedAsBrowsersWriteOrigins() throws Exception {
        startAllowing(List.of("HTTPS://App.Example:443", "http://localhost:3000", "null"));
        assertUpgradesAndEchoes(Map.of("Origin", "https://app.example"));
        assertUpgradesAndEchoes(Map.of("Origin", "http://localhost:3000"));
        assertUpgradesAndEchoes(Map.of("Origin", "null"));
        assertForbidden(RawWs.upgradeRequest("/", Map.of("Origin", "http://localhost:3001")), "http://localhost:3001");
        assertForbidden(RawWs.upgradeRequest("/", Map.of("Origin", "http://app.example")), "http://app.example");
    }

    @Test
    void aClientWithoutAnOriginUpgrades() throws Exception {
        startAllowing(List.of(APP));
        assertUpgradesAndEchoes(Map.of());
    }

    @Test
    void anEmptyListRefusesEveryPageButNotOtherClients() throws Exception {
        startAllowing(List.of());
        assertForbidden(RawWs.upgradeRequest("/", Map.of("Origin", APP)), APP);
        assertUpgradesAndEchoes(Map.of());
    }

    @Test
    void aSecondOriginHeaderThatIsNotAllowedIsRefused() throws Exception {
        startAllowing(List.of(APP));
        String request = RawWs.upgradeRequest("/", Map.of("Origin", APP))
                .replace("\r\n\r\n", "\r\nOrigin: http://evil.example\r\n\r\n");
        assertForbidden(request, "http://evil.example");
    }

    @Test
    void withoutTheOptionEveryOriginUpgrades_asTheJsPluginDoes() throws Exception {
        start(MultiServer.builder());
        assertUpgradesAndEchoes(Map.of("Origin", "http://evil.example"));
    }

    @Test
    void theOptionAsTextIsACommaSeparatedList() throws Exception {
        start(MultiServer.builder().option("ws.origins", "http://a.example, " + APP));
        assertUpgradesAndEchoes(Map.of("Origin", APP));
        assertForbidden(RawWs.upgradeRequest("/", Map.of("Origin", "http://b.example")), "http://b.example");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://app.example/", "https://app.example/page", "app.example", "https://u@h.example",
        "http://h.example?x"})
    void anEntryThatIsNotAnOriginFailsTheListen(String entry) {
        MultiServer bad = MultiServer.builder().listen("ws://127.0.0.1:0")
                .option(WsOptions.ORIGINS, List.of(APP, entry)).build();
        try {
            assertThatThrownBy(() -> bad.listen(connection -> connection.close()).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("option ws.origins: '" + entry + "' is not a web origin");
        } finally {
            bad.close();
        }
    }
}
