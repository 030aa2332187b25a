package org.multiserver.shs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.multiserver.spi.EndOfOutput;

/**
 * A client and a server channel in memory, joined by {@link #pump}: what one writes, the other reads. EndOfOutput
 * at the head of one side arrives as the transport's input shutdown at the other, as a half-closing socket would.
 */
final class EmbeddedPair {
    static final byte[] APP = NativeSodium.sha256("embedded test network".getBytes());

    final ShsKeyPair clientKeys = ShsKeyPair.generate();
    final ShsKeyPair serverKeys = ShsKeyPair.generate();
    final CompletableFuture<byte[]> clientResult = new CompletableFuture<>();
    final CompletableFuture<byte[]> serverResult = new CompletableFuture<>();
    final Recorder clientApp = new Recorder();
    final Recorder serverApp = new Recorder();
    /** Both sides' clock: it moves only when a test advances it, so deadlines do not depend on the machine's speed. */
    final MockTicker clock = Ticker.newMockTicker();
    final EmbeddedChannel client;
    final EmbeddedChannel server;

    EmbeddedPair() {
        this(key -> CompletableFuture.completedFuture(true));
    }

    EmbeddedPair(java.util.function.Function<byte[], ? extends java.util.concurrent.CompletionStage<Boolean>> auth) {
        // The server first: the client writes message 1 as soon as it is added to an active channel.
        server = EmbeddedChannel.builder().ticker(clock).handlers(ShsHandshakeHandler.server("shs-", APP, serverKeys,
                auth, Duration.ofSeconds(10), serverResult), serverApp).build();
        client = EmbeddedChannel.builder().ticker(clock).handlers(ShsHandshakeHandler.client("shs-", APP, clientKeys,
                serverKeys.publicKey(), Duration.ofSeconds(10), clientResult), clientApp).build();
    }

    /** Moves bytes both ways until neither side has anything left to say; a side that closed hangs up the other. */
    void pump() {
        boolean moved = true;
        while (moved) {
            moved = move(client, server) | move(server, client);
        }
        if (!client.isOpen() && server.isOpen()) {
            server.close();
        }
        if (!server.isOpen() && client.isOpen()) {
            client.close();
        }
    }

    /** Moves everything {@code from} wrote to {@code to}, as one buffer per write. */
    static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        Object msg;
        while ((msg = from.readOutbound()) != null) {
            moved = true;
            if (msg == EndOfOutput.INSTANCE) {
                to.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            } else if (to.isOpen()) {
                to.writeInbound(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
        return moved;
    }

    /** Everything {@code from} wrote so far, joined into one buffer (one TCP read, as far as the reader knows). */
    static ByteBuf joinOutbound(EmbeddedChannel from) {
        ByteBuf joined = Unpooled.buffer();
        Object msg;
        while ((msg = from.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            joined.writeBytes(buf);
            buf.release();
        }
        return joined;
    }

    void finishBoth() {
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }
}
