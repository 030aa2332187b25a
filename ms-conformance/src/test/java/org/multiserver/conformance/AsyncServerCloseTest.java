package org.multiserver.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.conformance.Fixtures.await;
import static org.multiserver.conformance.Fixtures.builder;
import static org.multiserver.conformance.Fixtures.failure;
import static org.multiserver.conformance.Fixtures.messages;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * test/async-server-close.js: closing a multiserver resolves only once every one of its servers closed. The JS
 * servers' closers are sync or async; ours are all futures, so "async" here means a server that still holds an
 * accepted connection, which has to be closed before its close resolves.
 */
@Timeout(60)
class AsyncServerCloseTest {
    private MultiServer server;
    private MultiServer client;
    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();

    @AfterEach
    void closeAll() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private MultiServer.Listening listenOnNetAndWs() throws Exception {
        if (server == null) {
            server = builder().listen("net:127.0.0.1:0~shs").listen("ws://127.0.0.1:0~shs").build();
        }
        return await(server.listen(c -> {
            accepted.add(c);
            Fixtures.upperCaseEcho(c);
        }));
    }

    private MultiServer client() {
        if (client == null) {
            client = builder().listen("net~shs").listen("ws~shs").build();
        }
        return client;
    }

    @Test
    @DisplayName("async-server-close.js: all calls are sync")
    void allCallsAreSync() throws Exception {
        MultiServer.Listening listening = listenOnNetAndWs();
        String address = listening.stringify(Scope.DEVICE);
        await(listening.close());
        for (String alternative : address.split(";")) {
            assertThat(messages(failure(client().connect(alternative)))).as(alternative)
                    .contains(alternative.split("~")[0]).contains("refused");
        }
    }

    @Test
    @DisplayName("async-server-close.js: all calls are async")
    void allCallsAreAsync() throws Exception {
        closeWithPendingConnections(listenOnNetAndWs(), true, true);
    }

    @Test
    @DisplayName("async-server-close.js: all calls are async (the file has it twice: here, a second listen)")
    void allCallsAreAsync_again() throws Exception {
        closeWithPendingConnections(listenOnNetAndWs(), true, true);
        closeWithPendingConnections(listenOnNetAndWs(), true, true);
    }

    @Test
    @DisplayName("async-server-close.js: async caller, mixed callees")
    void asyncCallerMixedCallees() throws Exception {
        closeWithPendingConnections(listenOnNetAndWs(), false, true);
    }

    /** Opens a connection to the net and/or ws server, then closes: it resolves only after those are closed. */
    private void closeWithPendingConnections(MultiServer.Listening listening, boolean net, boolean ws)
            throws Exception {
        String[] alternatives = listening.stringify(Scope.DEVICE).split(";");
        List<Connection> clients = new ArrayList<>();
        if (net) {
            clients.add(await(client().connect(alternatives[0])));
        }
        if (ws) {
            clients.add(await(client().connect(alternatives[1])));
        }
        List<Connection> servers = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            servers.add(accepted.poll(Fixtures.WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        assertThat(servers).doesNotContainNull();
        for (Connection c : servers) {
            assertThat(c.channel().isOpen()).as("open before the close").isTrue();
        }
        await(listening.close());
        for (Connection c : servers) {
            // The channel itself: a closeFuture() listener added now may still be on its way to the event loop.
            assertThat(c.channel().isOpen()).as("%s closed when the server's close resolved", c).isFalse();
        }
        for (Connection c : clients) {
            await(c.closeFuture()); // and the clients see it
        }
    }
}
