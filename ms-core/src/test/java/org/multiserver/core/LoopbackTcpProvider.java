package org.multiserver.core;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.multiserver.address.Section;
import org.multiserver.spi.HalfCloseHandler;
import org.multiserver.spi.Listener;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/**
 * Plain TCP ({@code tcp:HOST:PORT}) for ms-core's own tests, on the test class path: ms-plugin-net cannot be used
 * here, its tests depend on ms-core. It serves the scopes it is given (the device by default) and remembers the
 * loop kind of the last context it was created with.
 */
public final class LoopbackTcpProvider implements TransportProvider {
    static volatile PluginContext.LoopKind lastLoopKind;

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public Transport create(PluginContext context) {
        lastLoopKind = context.loopKind();
        return new Tcp(context);
    }

    private record Tcp(PluginContext context) implements Transport {
        @Override
        public String name() {
            return "tcp";
        }

        @Override
        public Optional<Endpoint> parse(Section section) {
            if (!section.name().equals("tcp")) {
                return Optional.empty();
            }
            String host = section.item(0);
            int port = Integer.parseInt(section.item(1));
            return Optional.of(new Endpoint() {
                @Override
                public Section section() {
                    return section;
                }

                @Override
                public CompletableFuture<Channel> connect() {
                    return connect(ch -> { });
                }

                @Override
                public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                    ChannelFuture f = new Bootstrap().group(context.eventLoopGroup())
                            .channel(context.socketChannelType())
                            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                            .handler(new ChannelInitializer<>() {
                                @Override
                                protected void initChannel(Channel ch) {
                                    ch.pipeline().addLast(HalfCloseHandler.INSTANCE);
                                    beforeFirstRead.accept(ch); // a close that comes at once is seen
                                }
                            })
                            .connect(host, port);
                    CompletableFuture<Channel> result = new CompletableFuture<>();
                    f.addListener(done -> {
                        if (done.isSuccess()) {
                            result.complete(f.channel());
                        } else {
                            result.completeExceptionally(done.cause());
                        }
                    });
                    return result;
                }
            });
        }

        @Override
        public CompletableFuture<Listener> listen(Acceptor acceptor) {
            Section spec = context.listenSpec().orElseThrow();
            Set<Scope> scopes = context.scopes().orElse(Set.of(Scope.DEVICE));
            ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
            ChannelFuture bind = new ServerBootstrap().group(context.eventLoopGroup())
                    .channel(context.serverSocketChannelType())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(HalfCloseHandler.INSTANCE);
                            InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
                            acceptor.accept(ch, Section.of("tcp", remote.getHostString(),
                                    String.valueOf(remote.getPort())));
                        }
                    })
                    .bind(spec.item(0), Integer.parseInt(spec.item(1)));
            CompletableFuture<Listener> result = new CompletableFuture<>();
            bind.addListener(done -> {
                if (!done.isSuccess()) {
                    result.completeExceptionally(done.cause());
                    return;
                }
                int port = ((InetSocketAddress) bind.channel().localAddress()).getPort();
                result.complete(new Listener() {
                    @Override
                    public Set<Scope> scopes() {
                        return scopes;
                    }

                    @Override
                    public List<Section> addresses(Scope scope) {
                        return scopes.contains(scope) ? List.of(Section.of("tcp", spec.item(0), String.valueOf(port)))
                                : List.of();
                    }

                    @Override
                    public CompletableFuture<Void> close() {
                        CompletableFuture<Void> closed = new CompletableFuture<>();
                        bind.channel().close().addListener(f -> accepted.close()
                                .addListener(g -> closed.complete(null)));
                        return closed;
                    }
                });
            });
            return result;
        }
    }
}
