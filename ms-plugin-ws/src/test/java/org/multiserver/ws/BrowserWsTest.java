package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.Scope;
import org.multiserver.testing.NodeProcess;

/**
 * A real browser (Debian's Chromium, headless, driven by playwright-core) runs the real JS multiserver client with
 * its ws and shs plugins, bundled by esbuild (interop/browser), against a Java ws~shs echo server: 1 MiB there and
 * back. Fails, never skips, without node, interop/browser/node_modules or Chromium ({@code /usr/bin/chromium}, or
 * the environment variable {@code CHROMIUM}).
 */
@Timeout(180)
class BrowserWsTest {
    private static final int BYTES = 1024 * 1024;

    @Test
    void aBrowserPageTalksWsShsToAJavaServer() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        List<Throwable> serverErrors = new CopyOnWriteArrayList<>();
        CompletableFuture<Connection> accepted = new CompletableFuture<>();
        try (MultiServer server = MultiServer.builder()
                .option(ShsTransformProvider.KEYS, serverKeys)
                .onServerError((peer, stack, error) -> serverErrors.add(error))
                .listen("ws://127.0.0.1:0~shs").build()) {
            var listening = server.listen(connection -> {
                accepted.complete(connection);
                Streams.echo(connection);
            }).get(10, TimeUnit.SECONDS);
            String address = listening.stringify(Scope.DEVICE);
            String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");

            JsonNode report;
            int exit;
            try (NodeProcess runner = NodeProcess.start("browser", "run.js", "--address", address, "--bytes",
                    Integer.toString(BYTES), "--chromium", chromium)) {
                report = runner.await(null, Duration.ofSeconds(150));
                exit = runner.awaitExit(Duration.ofSeconds(30));
                assertThat(report.path("ok").asBoolean())
                        .as("the browser's report: %s%n%s", report, runner.output()).isTrue();
            }
            assertThat(exit).isZero();
            assertThat(report.path("sent").asLong()).isEqualTo(BYTES);
            assertThat(report.path("received").asLong()).isEqualTo(BYTES);
            assertThat(report.path("firstDifference").asLong()).isEqualTo(-1);
            assertThat(report.path("crypto").asText()).isEqualTo("libsodium");
            assertThat(report.path("remote").asText()).isEqualTo(serverKeys.publicKeyBase64());

            // The JS plugin's rule, which we follow: a loopback peer with an Origin is named by that origin.
            String pageOrigin = report.path("pageOrigin").asText();
            assertThat(pageOrigin).startsWith("http://127.0.0.1:");
            Connection browser = accepted.get(10, TimeUnit.SECONDS);
            assertThat(browser.remoteAddress().toString())
                    .isEqualTo(pageOrigin.replaceFirst("^http", "ws") + "~shs:" + browser.peerIdentity().orElseThrow());
            browser.closeFuture().get(10, TimeUnit.SECONDS);
            assertThat(serverErrors).isEmpty();
        }
    }

    /** {@link WsOptions#ORIGINS} without the page's origin: Chromium gets 403 for its upgrade, nothing connects. */
    @Test
    void aPageFromAnOriginNotAllowedIsRefusedWith403() throws Exception {
        List<Connection> accepted = new CopyOnWriteArrayList<>();
        try (MultiServer server = MultiServer.builder()
                .option(WsOptions.ORIGINS, List.of("https://app.example"))
                .listen("ws://127.0.0.1:0~shs").build()) {
            String address = server.listen(accepted::add).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
            String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
            try (NodeProcess runner = NodeProcess.start("browser", "run.js", "--address", address, "--bytes", "1",
                    "--chromium", chromium, "--timeout", "30000")) {
                JsonNode report = runner.await(null, Duration.ofSeconds(150));
                assertThat(runner.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
                assertThat(report.path("ok").asBoolean()).as("the browser's report: %s", report).isFalse();
                assertThat(report.path("pageOrigin").asText()).startsWith("http://127.0.0.1:");
                // Chromium tells the page's console why its WebSocket failed.
                assertThat(runner.stderr()).as(runner.output()).contains("Unexpected response code: 403");
            }
            assertThat(accepted).isEmpty();
        }
    }
}
