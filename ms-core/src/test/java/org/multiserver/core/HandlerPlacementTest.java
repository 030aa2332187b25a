package org.multiserver.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where a listen handler runs, and how many event loops a MultiServer makes, over TCP on loopback. */
@Timeout(30)
class HandlerPlacementTest {

    @Test
    void handlersRunOnAThreadOfTheirOwnByDefault() throws Exception {
        assertThat(handlerRanOnItsEventLoop(MultiServer.builder())).isFalse();
    }

    @Test
    void handlersOnEventLoopRunOnTheConnectionsLoop() throws Exception {
        assertThat(handlerRanOnItsEventLoop(MultiServer.builder().handlersOnEventLoop(true))).isTrue();
    }

    @Test
    void oneEventLoopPerCoreUnlessAsked() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(EventLoops.defaultThreads()).isEqualTo(Integer.getInteger("io.netty.eventLoopThreads", cores));
        EventLoops three = EventLoops.create(3, false);
        try {
            assertThat(three.group()).hasSize(3);
        } finally {
            three.group().shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static boolean handlerRanOnItsEventLoop(MultiServer.Builder builder) throws Exception {
        CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
        try (MultiServer ms = builder.listen("tcp:127.0.0.1:0").build()) {
            MultiServer.Listening server = ms.listen(c -> {
                onLoop.complete(c.channel().eventLoop().inEventLoop());
                c.close();
            }).join();
            Connection client = ms.connect(server.stringify()).join();
            boolean answer = onLoop.get(10, TimeUnit.SECONDS);
            client.close();
            return answer;
        }
    }
}
