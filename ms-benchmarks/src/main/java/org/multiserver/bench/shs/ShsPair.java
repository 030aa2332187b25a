package org.multiserver.bench.shs;

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
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.Layer;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;

/**
 * Two shs transforms through the public SPI, and in-memory channels to run them on: one process plays both sides,
 * so the figures are pure CPU with no socket in the way.
 */
final class ShsPair implements AutoCloseable {
    /** Only to satisfy PluginContext: the transforms never touch it, everything runs on EmbeddedChannels. */
    private final EventLoopGroup unused = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final Transform server;
    final Transform.Target target;

    ShsPair() {
        PluginContext context = PluginContext.builder()
                .eventLoopGroup(unused, NioSocketChannel.class, NioServerSocketChannel.class).build();
        server = new ShsTransformProvider().create(context);
        Transform client = new ShsTransformProvider().create(context);
        Section serverSection = server.stringify(Scope.DEVICE).orElseThrow();
        target = client.parse(serverSection).orElseThrow();
    }

    /** Runs a full handshake between two fresh channels and returns them, codecs installed. */
    EmbeddedChannel[] connect() {
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

    static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
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
