package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The handshake handler on in-memory channels: success, the bytes behind the last message, every failure. */
class ShsHandshakeHandlerTest {

    @Test
    void pair_completesAndReplacesItselfWithTheCodecs() {
        EmbeddedPair pair = new EmbeddedPair();
        pair.pump();
        assertThat(pair.clientResult.join()).isEqualTo(pair.serverKeys.publicKey());
        assertThat(pair.serverResult.join()).isEqualTo(pair.clientKeys.publicKey());
        assertThat(pair.client.pipeline().names()).startsWith("shs-box-encoder", "shs-box-decoder");
        assertThat(pair.server.pipeline().names()).startsWith("shs-box-encoder", "shs-box-decoder");
        assertThat(pair.client.pipeline().get(ShsHandshakeHandler.class)).isNull();
        assertThat(pair.server.pipeline().get(ShsHandshakeHandler.class)).isNull();

        pair.client.writeOutbound(Unpooled.wrappedBuffer(TestBytes.range(0, 10_000)));
        pair.server.writeOutbound(Unpooled.wrappedBuffer("pong".getBytes(StandardCharsets.US_ASCII)));
        pair.pump();
        assertThat(pair.serverApp.bytes()).isEqualTo(TestBytes.range(0, 10_000));
        assertThat(new String(pair.clientApp.bytes(), StandardCharsets.US_ASCII)).isEqualTo("pong");
        pair.finishBoth();
    }

    /**
     * The server greets in the same breath as message 4, so both arrive in one read at the client. When the future
     * completes the handshake handler is gone (the pipeline is final), and a layer added right then, as the platform
     * adds a stack's next transform, still gets the greeting: the bytes go on only after the completion. Before the
     * SPI's skeleton they went on first, past a next transform that was not there yet.
     */
    @Test
    void bytesBehindMessage4InTheSameRead_reachTheLayerAddedWhenTheFutureCompletes() {
        EmbeddedPair pair = new EmbeddedPair();
        pair.serverResult.thenRun(() ->
                pair.server.writeOutbound(Unpooled.wrappedBuffer("hello".getBytes(StandardCharsets.US_ASCII))));
        // Messages 1 to 3 travel as usual; then message 4 and the greeting travel as one buffer.
        EmbeddedPair.move(pair.client, pair.server);
        EmbeddedPair.move(pair.server, pair.client);
        EmbeddedPair.move(pair.client, pair.server);
        assertThat(pair.serverResult).isDone();
        ByteBuf joined = EmbeddedPair.joinOutbound(pair.server);
        assertThat(joined.readableBytes()).isEqualTo(80 + 34 + 5);
        Recorder nextLayer = new Recorder();
        boolean[] handshakeGoneAtCompletion = new boolean[1];
        pair.clientResult.thenRun(() -> {
            handshakeGoneAtCompletion[0] = pair.client.pipeline().get(ShsHandshakeHandler.class) == null;
            pair.client.pipeline().addBefore(pair.client.pipeline().context(pair.clientApp).name(), "next-layer",
                    nextLayer);
        });
        pair.client.writeInbound(joined);
        assertThat(pair.clientResult).isDone();
        assertThat(handshakeGoneAtCompletion[0]).isTrue();
        assertThat(new String(nextLayer.bytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        pair.finishBoth();
    }

    @Test
    void failure_sendsNoErrorBytesAndClosesSilently() {
        EmbeddedPair pair = new EmbeddedPair();
        pair.client.readOutbound(); // drop the honest message 1
        pair.server.writeInbound(Unpooled.wrappedBuffer(new byte[64])); // MAC of zeros: garbage
        assertThat(pair.server.isOpen()).isFalse();
        assertThat(pair.server.<Object>readOutbound()).isNull();
        assertThat(failure(pair.serverResult))
                .isEqualTo("shs: client challenge invalid (message 1): wrong app key, or the peer does not speak shs");
        assertThat(pair.serverApp.error).isNotDone(); // expected failures go to the future, not down the pipeline
        pair.finishBoth();
    }

    /** The client's whole side of the conversation (messages 1 and 3) cut after every possible byte count. */
    @Test
    void clientBytesTruncatedAtEveryPosition_failTheServerNamingThePhase() {
        for (int cut = 0; cut < 64 + 112; cut++) {
            EmbeddedPair pair = new EmbeddedPair();
            ByteBuf msg1 = pair.client.readOutbound();
            int sent = deliver(msg1, pair.server, cut);
            if (sent == 64) {
                EmbeddedPair.move(pair.server, pair.client); // message 2: the client answers with message 3
                ByteBuf msg3 = pair.client.readOutbound();
                deliver(msg3, pair.server, cut - 64);
            }
            pair.server.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE); // FIN
            String expected = cut < 64 ? "shs: the client hung up before its challenge (message 1)"
                    : "shs: the client hung up instead of sending its auth (message 3): wrong app key, or it does"
                    + " not speak shs";
            assertThat(failure(pair.serverResult)).as("cut after %d bytes", cut).isEqualTo(expected);
            assertThat(pair.server.isOpen()).isFalse();
            assertThat(pair.server.<Object>readOutbound()).as("nothing after message 2").isNull();
            pair.finishBoth();
        }
    }

    /** The server's side (messages 2 and 4) cut after every possible byte count: the client connection drops. */
    @Test
    void serverBytesTruncatedAtEveryPosition_failTheClientNamingThePhase() {
        for (int cut = 0; cut < 64 + 80; cut++) {
            EmbeddedPair pair = new EmbeddedPair();
            EmbeddedPair.move(pair.client, pair.server);
            ByteBuf msg2 = pair.server.readOutbound();
            int sent = deliver(msg2, pair.client, cut);
            if (sent == 64) {
                EmbeddedPair.move(pair.client, pair.server);
                ByteBuf msg4 = pair.server.readOutbound();
                deliver(msg4, pair.client, cut - 64);
            }
            pair.client.close(); // the connection drops (channelInactive)
            String expected = cut < 64
                    ? "shs: the server hung up instead of sending its challenge (message 2): wrong app key, or it"
                    + " does not speak shs"
                    : "shs: server rejected client auth (message 3): it hung up instead of accepting; wrong server"
                    + " key, or it did not authorize us";
            assertThat(failure(pair.clientResult)).as("cut after %d bytes", cut).isEqualTo(expected);
            pair.finishBoth();
        }
    }

    @Test
    void silentPeer_hitsTheDefaultDeadline() {
        EmbeddedPair pair = new EmbeddedPair();
        pair.client.readOutbound(); // message 1 never arrives
        pair.clock.advance(9_999, TimeUnit.MILLISECONDS);
        pair.server.runScheduledPendingTasks();
        assertThat(pair.serverResult).isNotDone();
        pair.clock.advance(1, TimeUnit.MILLISECONDS);
        pair.server.runScheduledPendingTasks();
        assertThat(failure(pair.serverResult)).isEqualTo("shs: handshake deadline of 10 s passed while waiting for"
                + " the client challenge (message 1)");
        assertThat(pair.server.isOpen()).isFalse();
        assertThat(pair.server.<Object>readOutbound()).isNull();
        pair.finishBoth();
    }

    @Test
    void deadline_isOneBudgetForTheWholeHandshake() {
        MockTicker clock = Ticker.newMockTicker();
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        EmbeddedChannel server = EmbeddedChannel.builder().ticker(clock).handlers(ShsHandshakeHandler.server("shs-",
                EmbeddedPair.APP, serverKeys, key -> CompletableFuture.completedFuture(true), Duration.ofMillis(250),
                result)).build();
        CompletableFuture<byte[]> clientResult = new CompletableFuture<>();
        EmbeddedChannel client = EmbeddedChannel.builder().ticker(clock).handlers(ShsHandshakeHandler.client("shs-",
                EmbeddedPair.APP, ShsKeyPair.generate(), serverKeys.publicKey(), Duration.ofSeconds(10),
                clientResult)).build();
        clock.advance(200, TimeUnit.MILLISECONDS);
        EmbeddedPair.move(client, server); // message 1 in time; message 3 never comes
        client.readOutbound();
        clock.advance(50, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertThat(failure(result)).isEqualTo("shs: handshake deadline of 250 ms passed while waiting for the client"
                + " auth (message 3)");
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    @Test
    void authorizeDenial_hangsUpBeforeMessage4() {
        EmbeddedPair pair = new EmbeddedPair(key -> CompletableFuture.completedFuture(false));
        pair.pump();
        assertThat(failure(pair.serverResult)).isEqualTo("shs: client " + pair.clientKeys.publicKeyBase64()
                + " not authorized (message 3)");
        assertThat(failure(pair.clientResult)).startsWith("shs: server rejected client auth (message 3)");
        pair.finishBoth();
    }

    @Test
    void authorizeAnswersLaterFromAnotherThread() throws Exception {
        CompletableFuture<Boolean> decision = new CompletableFuture<>();
        byte[][] asked = new byte[1][];
        EmbeddedPair pair = new EmbeddedPair(key -> {
            asked[0] = key;
            return decision;
        });
        pair.pump();
        assertThat(asked[0]).isEqualTo(pair.clientKeys.publicKey());
        assertThat(pair.serverResult).isNotDone();
        Thread other = new Thread(() -> decision.complete(true));
        other.start();
        other.join();
        pair.server.runPendingTasks(); // the decision hops onto the channel's event loop
        pair.pump();
        assertThat(pair.serverResult.join()).isEqualTo(pair.clientKeys.publicKey());
        assertThat(pair.clientResult.join()).isEqualTo(pair.serverKeys.publicKey());
        pair.finishBoth();
    }

    @Test
    void authorizeThatThrowsOrFails_isADenialNamingTheCause() {
        EmbeddedPair throwing = new EmbeddedPair(key -> {
            throw new IllegalStateException("database down");
        });
        throwing.pump();
        assertThat(failure(throwing.serverResult)).startsWith("shs: authorize callback failed for client")
                .contains("(message 3)").contains("database down");
        throwing.finishBoth();

        EmbeddedPair failing = new EmbeddedPair(key -> CompletableFuture.failedFuture(new RuntimeException("nope")));
        failing.pump();
        assertThat(failure(failing.serverResult)).contains("authorize callback failed").contains("nope");
        failing.finishBoth();
    }

    @Test
    void decisionAfterTheDeadline_isIgnored() {
        CompletableFuture<Boolean> decision = new CompletableFuture<>();
        EmbeddedPair pair = new EmbeddedPair(key -> decision);
        pair.pump();
        pair.clock.advance(10, TimeUnit.SECONDS);
        pair.server.runScheduledPendingTasks();
        assertThat(failure(pair.serverResult)).isEqualTo("shs: handshake deadline of 10 s passed while waiting for"
                + " the authorize decision (message 3)");
        decision.complete(true);
        pair.server.runPendingTasks();
        assertThat(pair.server.<Object>readOutbound()).as("no message 4 after giving up").isNull();
        pair.finishBoth();
    }

    @ParameterizedTest
    @ValueSource(strings = {"client", "server"})
    void transportErrorDuringTheHandshake_failsTheFutureOnly(String side) {
        EmbeddedPair pair = new EmbeddedPair();
        EmbeddedChannel channel = side.equals("client") ? pair.client : pair.server;
        CompletableFuture<byte[]> result = side.equals("client") ? pair.clientResult : pair.serverResult;
        channel.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        // A reset reads like any hang-up in that phase, plus the transport's reason.
        assertThat(failure(result)).startsWith(side.equals("client")
                        ? "shs: the server hung up instead of sending its challenge (message 2)"
                        : "shs: the client hung up before its challenge (message 1)")
                .endsWith("(Connection reset by peer)");
        assertThat(channel.isOpen()).isFalse();
        pair.finishBoth();
    }

    @Test
    void unexpectedErrorDuringTheHandshake_namesThePhase() {
        EmbeddedPair pair = new EmbeddedPair();
        pair.server.pipeline().fireExceptionCaught(new IllegalStateException("bug below us"));
        assertThat(failure(pair.serverResult)).isEqualTo("shs: connection failed while waiting for the client"
                + " challenge (message 1): java.lang.IllegalStateException: bug below us");
        pair.finishBoth();
    }

    @Test
    void wrongServerKey_failsBothSidesAtMessage3() {
        EmbeddedPair pair = new EmbeddedPair();
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        EmbeddedChannel client = new EmbeddedChannel(ShsHandshakeHandler.client("shs-", EmbeddedPair.APP,
                pair.clientKeys, ShsKeyPair.generate().publicKey(), Duration.ofSeconds(10), result));
        pair.client.readOutbound();
        boolean moved = true;
        while (moved) {
            moved = EmbeddedPair.move(client, pair.server) | EmbeddedPair.move(pair.server, client);
        }
        client.close(); // the server hung up
        assertThat(failure(pair.serverResult)).startsWith("shs: client auth invalid (message 3)");
        assertThat(failure(result)).startsWith("shs: server rejected client auth (message 3)");
        client.finishAndReleaseAll();
        pair.finishBoth();
    }

    /** Delivers the first {@code limit} bytes of {@code message} (all of it at most) and returns how many. */
    private static int deliver(ByteBuf message, EmbeddedChannel to, int limit) {
        int n = Math.max(0, Math.min(limit, message.readableBytes()));
        if (n > 0) {
            to.writeInbound(message.readRetainedSlice(n));
        }
        message.release();
        return n;
    }

    static String failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
            throw new AssertionError("not failed");
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(HandshakeException.class);
            return e.getCause().getMessage();
        }
    }
}
