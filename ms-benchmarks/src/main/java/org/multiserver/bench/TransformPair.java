package org.multiserver.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.multiserver.address.Section;
import org.multiserver.spi.Identity;
import org.multiserver.spi.Layer;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * Two transforms of one provider (shs, shs2, any authenticating transform) through the public SPI, and in-memory
 * channels to run them on: one process plays both sides, so the figures are pure CPU with no socket in the way.
 *
 * <p>With {@code distinctClients == 0} the client uses the server's own identity (one context for both, as a
 * {@code MultiServer} that dials itself): every handshake meets the same two keys. With {@code n > 0} there are
 * {@code n} client transforms of their own identities, all created before any timing, and {@link #connect()} takes
 * the next one each time, so the server meets a key it met {@code n} handshakes ago: with {@code n} beyond a
 * transform's caches it is a new peer every time.
 */
public final class TransformPair implements AutoCloseable {
    /** Only to satisfy PluginContext: the transforms never touch it, everything runs on EmbeddedChannels. */
    private final EventLoopGroup unused = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Transform server;
    private final Transform.Target[] targets;
    private int next;

    /** The client shares the server's identity. */
    public TransformPair(TransformProvider provider) {
        this(provider, 0);
    }

    public TransformPair(TransformProvider provider, int distinctClients) {
        PluginContext context = PluginContext.builder()
                .eventLoopGroup(unused, NioSocketChannel.class, NioServerSocketChannel.class).build();
        server = provider.create(context);
        Section serverSection = server.stringify(Scope.DEVICE).orElseThrow();
        targets = new Transform.Target[Math.max(1, distinctClients)];
        for (int i = 0; i < targets.length; i++) {
            PluginContext clientContext = distinctClients == 0 ? context
                    : context.toBuilder().identity(Identity.generate()).build();
            targets[i] = provider.create(clientContext).parse(serverSection).orElseThrow();
        }
    }

    /** Runs a full handshake between two fresh channels and returns them (client, server), codecs installed. */
    public EmbeddedChannel[] connect() {
        Transform.Target target = targets[next];
        next = (next + 1) % targets.length;
        EmbeddedChannel serverChannel = new EmbeddedChannel();
        EmbeddedChannel clientChannel = new EmbeddedChannel();
        CompletableFuture<Layer> serverLayer = server.wrapServer(serverChannel);
        CompletableFuture<Layer> clientLayer = target.wrapClient(clientChannel);
        boolean moved = true;
        while (moved) {
            moved = move(clientChannel, serverChannel) | move(serverChannel, clientChannel);
        }
        if (!serverLayer.isDone() || !clientLayer.isDone() || serverLayer.isCompletedExceptionally()
                || clientLayer.isCompletedExceptionally()) {
            throw new IllegalStateException("handshake did not complete: " + serverLayer + " " + clientLayer);
        }
        return new EmbeddedChannel[] {clientChannel, serverChannel};
    }

    /** Moves everything {@code from} wrote into {@code to}; true when there was something. */
    public static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        Object msg;
        while ((msg = from.readOutbound()) != null) {
            moved = true;
            if (to.isOpen()) {
                to.writeInbound(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
        return moved;
    }

    @Override
    public void close() {
        unused.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
