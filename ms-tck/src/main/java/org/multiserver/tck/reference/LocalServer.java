package org.multiserver.tck.reference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.Transport;

/**
 * A bound local server: the server channel and the group of connections it accepted, which a listener closes
 * separately (the server first, so nothing new arrives while the accepted ones close).
 */
final class LocalServer {
    private final Channel serverChannel;
    private final ChannelGroup accepted;
    private final String name;

    private LocalServer(Channel serverChannel, ChannelGroup accepted, String name) {
        this.serverChannel = serverChannel;
        this.accepted = accepted;
        this.name = name;
    }

    static CompletableFuture<LocalServer> bind(LocalTransport transport, EventLoopGroup group, String name,
                                               Transport.Acceptor acceptor) {
        ChannelGroup accepted = new DefaultChannelGroup("local-accepted-" + name, GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        Optional<Section> remote = transport.accept(ch);
                        if (remote.isEmpty()) {
                            ch.close(); // a bare LocalChannel client: no flow control to offer it
                            return;
                        }
                        accepted.add(ch);
                        acceptor.accept(ch, remote.get());
                    }
                });
        CompletableFuture<LocalServer> result = new CompletableFuture<>();
        ChannelFuture bind = bootstrap.bind(new LocalAddress(name));
        bind.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(new LocalServer(bind.channel(), accepted, name));
            } else {
                result.completeExceptionally(new IOException("cannot listen on local:" + name + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        return result;
    }

    String name() {
        return name;
    }

    CompletableFuture<Void> closeServerChannel() {
        return ChannelFutures.toCompletable(serverChannel.close());
    }

    CompletableFuture<Void> closeAccepted() {
        return ChannelFutures.toCompletable(accepted.close());
    }
}
