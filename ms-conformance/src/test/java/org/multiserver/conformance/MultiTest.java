package org.multiserver.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.conformance.Fixtures.APP_KEY;
import static org.multiserver.conformance.Fixtures.KEY;
import static org.multiserver.conformance.Fixtures.SEED;
import static org.multiserver.conformance.Fixtures.WAIT;
import static org.multiserver.conformance.Fixtures.await;
import static org.multiserver.conformance.Fixtures.b64;
import static org.multiserver.conformance.Fixtures.builder;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;
import org.multiserver.testing.NodeProcess;

/**
 * test/multi.js: one server on net~shs and ws~shs (device scope), dialled through an address whose first
 * alternative no plugin knows; each client takes the alternative it has a stack for. Each dial is done by our client
 * and by the JS reference's (interop/js), so the address we print is proven on the wire both ways.
 */
@Timeout(120)
class MultiTest {
    /** multi.js: "fake" is an unknown protocol, just to make sure it gets skipped. */
    private static final String FAKE = "fake:peer.ignore~nul:what;";

    private MultiServer server;
    private MultiServer client;
    private MultiServer.Listening listening;
    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();

    @BeforeEach
    void listen() throws Exception {
        server = builder().listen("net:localhost:0~shs", java.util.Set.of(Scope.DEVICE))
                .listen("ws://localhost:0~shs", java.util.Set.of(Scope.DEVICE)).build();
        listening = await(server.listen(c -> {
            accepted.add(c);
            Fixtures.echo(c);
        }));
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    @Test
    @DisplayName("multi.js: listen")
    void listen_printsBothStacksForTheDeviceScope() {
        assertThat(listening.stringify(Scope.DEVICE))
                .matches("net:localhost:\\d+~shs:" + java.util.regex.Pattern.quote(KEY)
                        + ";ws://localhost:\\d+~shs:" + java.util.regex.Pattern.quote(KEY));
        assertThat(listening.stringify(Scope.PUBLIC)).as("a device-scope server has no public address").isEmpty();
    }

    @Test
    @DisplayName("multi.js: connect to either server (net)")
    void connectToEitherServer_net() throws Exception {
        client = builder().listen("net~shs").listen("ws~shs").build();
        assertConnectsVia("net", client, "client.js", "--transport", "net");
    }

    @Test
    @DisplayName("multi.js: connect to either server (ws)")
    void connectToEitherServer_ws() throws Exception {
        client = builder().listen("ws~shs").build();
        assertConnectsVia("ws", client, "ws-client.js");
    }

    @Test
    @DisplayName("multi.js: close")
    void close_refusesAfterwards() throws Exception {
        String address = listening.stringify(Scope.DEVICE);
        await(listening.close());
        client = builder().listen("net~shs").listen("ws~shs").build();
        assertThat(Fixtures.messages(Fixtures.failure(client.connect(address))))
                .contains(address.split(";")[0].split("~")[0] + ": connection refused");
    }

    private void assertConnectsVia(String transport, MultiServer ours, String jsScript, String... jsArgs)
            throws Exception {
        String address = FAKE + listening.stringify(Scope.DEVICE);

        Connection c = await(ours.connect(address));
        assertThat(c.remoteAddress().toString()).as("the stream's address").startsWith(transport + ":");
        assertThat(Fixtures.exchange(c, "Hello")).isEqualTo("Hello");
        Connection there = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(there).isNotNull();
        assertThat(there.remoteAddress().toString()).as("the address the server saw").startsWith(transport + ":");

        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(address));
        args.addAll(java.util.List.of(jsArgs));
        args.addAll(java.util.List.of("--seed", b64(SEED), "--app-key", APP_KEY, "--bytes", "5"));
        try (NodeProcess js = NodeProcess.start("js", jsScript, args.toArray(String[]::new))) {
            JsonNode connected = js.await("connected", WAIT);
            assertThat(connected.path("address").asText()).as("the JS stream's address").startsWith(transport + ":");
            assertThat(js.await("done", WAIT).path("received").asInt()).isEqualTo(5);
            assertThat(js.awaitExit(WAIT)).as(js.output()).isZero();
        }
        there = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(there).isNotNull();
        assertThat(there.remoteAddress().toString()).as("the JS client, as the server saw it")
                .startsWith(transport + ":");
    }
}
