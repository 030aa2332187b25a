package org.multiserver.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.HalfCloseHandler;
import org.multiserver.spi.Listener;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;

/** TCP over Netty, with half-close. */
final class NetTransport implements Transport {
    static final String NAME = "net";
    private static final InetAddress ANY_IPV4 = anyIpv4();

    private final PluginContext context;
    /** The listen spec's host (null: none given) and port, checked when the stack is made, not at listen. */
    private final HostPort spec;

    NetTransport(PluginContext context) {
        this.context = context;
        this.spec = context.listenSpec().map(s -> HostPort.parse(s, true)).orElse(new HostPort(null, 0));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<Endpoint> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        HostPort target = HostPort.parse(section, false);
        Section canonical = HostPort.section(NAME, target.host(), target.port());
        return Optional.of(new Endpoint() {
            @Override
            public Section section() {
                return canonical;
            }

            @Override
            public CompletableFuture<Channel> connect() {
                return dial(canonical, target, channel -> { });
            }

            @Override
            public CompletableFuture<Channel> connect(java.util.function.Consumer<Channel> beforeFirstRead) {
                return dial(canonical, target, beforeFirstRead);
            }
        });
    }

    private CompletableFuture<Channel> dial(Section address, HostPort target,
                                            java.util.function.Consumer<Channel> beforeFirstRead) {
        Bootstrap bootstrap = new Bootstrap()
                .group(context.eventLoopGroup())
                .channel(context.socketChannelType())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) context.connectTimeout().toMillis())
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Runs at registration, before the connect: nothing can be read yet.
                        ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                        beforeFirstRead.accept(ch);
                    }
                });
        ChannelFuture connect;
        try {
            connect = bootstrap.connect(InetSocketAddress.createUnresolved(target.host(), target.port()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(describe(address, e));
        }
        return ChannelFutures.connected(connect, error -> describe(address, error));
    }

    private Throwable describe(Section address, Throwable error) {
        String why;
        if (error instanceof ConnectTimeoutException) {
            why = "timed out after " + context.connectTimeout().toMillis() + " ms";
        } else if (error instanceof UnknownHostException || error instanceof UnresolvedAddressException) {
            why = "cannot resolve host '" + address.item(0) + "'";
        } else if (error instanceof ConnectException) {
            why = "connection refused";
        } else {
            why = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        }
        return new java.io.IOException(address + ": " + why, error);
    }

    @Override
    public CompletableFuture<Listener> listen(Acceptor acceptor) {
        String host = spec.host() != null ? spec.host() : context.option(NetOptions.HOST);
        int port = spec.host() != null || spec.port() != 0 ? spec.port() : context.option(NetOptions.PORT);
        if (host == null) {
            boolean deviceOnly = context.scopes().map(s -> s.equals(Set.of(Scope.DEVICE))).orElse(true);
            host = deviceOnly ? "127.0.0.1" : "0.0.0.0";
        }
        String bindHost = host;
        // stayClosed: a connection accepted while the listener closes is closed as it joins, never leaked.
        ChannelGroup accepted = new DefaultChannelGroup("net-accepted", GlobalEventExecutor.INSTANCE, true);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(context.eventLoopGroup())
                .channel(context.serverSocketChannelType())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!accepted.add(ch) || !ch.isOpen()) {
                            return; // the listener closed meanwhile
                        }
                        ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                        InetSocketAddress remote = ch.remoteAddress();
                        acceptor.accept(ch, HostPort.section(NAME, remote.getAddress().getHostAddress(),
                                remote.getPort()));
                    }
                });
        CompletableFuture<Listener> result = new CompletableFuture<>();
        ChannelFuture bind;
        try {
            bind = bootstrap.bind(bindHost, port);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        bind.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new java.io.IOException("cannot bind " + bindHost + ":" + port + ": "
                        + bindFailure(bindHost, f.cause()), f.cause()));
                return;
            }
            InetSocketAddress local = (InetSocketAddress) f.channel().localAddress();
            Set<Scope> scopes = context.scopes().orElseGet(() -> ScopeHosts.defaultScopes(local.getAddress()));
            result.complete(new NetListener(f.channel(), accepted, bindHost, local, scopes));
        });
        return result;
    }

    private final class NetListener implements Listener {
        private final Channel server;
        private final ChannelGroup accepted;
        private final String host;
        private final InetSocketAddress local;
        private final Set<Scope> scopes;

        NetListener(Channel server, ChannelGroup accepted, String host, InetSocketAddress local, Set<Scope> scopes) {
            this.server = server;
            this.accepted = accepted;
            this.host = host;
            this.local = local;
            this.scopes = Set.copyOf(scopes);
        }

        @Override
        public Set<Scope> scopes() {
            return scopes;
        }

        @Override
        public List<Section> addresses(Scope scope) {
            if (!scopes.contains(scope)) {
                return List.of();
            }
            List<String> external = context.option(NetOptions.EXTERNAL);
            List<String> hosts;
            if (scope == Scope.PUBLIC && !external.isEmpty()) {
                hosts = external;
            } else if (local.getAddress().isAnyLocalAddress()) {
                // The family the user asked for: a native socket bound to 0.0.0.0 may report itself as "::".
                InetAddress wildcard = io.netty.util.NetUtil.isValidIpV4Address(host)
                        ? ANY_IPV4
                        : local.getAddress();
                hosts = ScopeHosts.hostsFor(scope, wildcard, ScopeHosts.interfaceAddresses());
            } else {
                hosts = List.of(isLiteral(host) ? local.getAddress().getHostAddress() : host);
            }
            List<Section> sections = new ArrayList<>();
            for (String h : hosts) {
                sections.add(HostPort.section(NAME, h, local.getPort()));
            }
            return sections;
        }

        @Override
        public CompletableFuture<Void> close() {
            CompletableFuture<Void> serverClosed = ChannelFutures.toCompletable(server.close());
            CompletableFuture<Void> childrenClosed = ChannelFutures.toCompletable(accepted.close());
            return CompletableFuture.allOf(serverClosed, childrenClosed);
        }

        private static boolean isLiteral(String host) {
            return io.netty.util.NetUtil.isValidIpV4Address(host) || io.netty.util.NetUtil.isValidIpV6Address(host);
        }
    }


    /** Netty's bind of a name that does not resolve fails with an UnresolvedAddressException without a message. */
    private static String bindFailure(String host, Throwable cause) {
        if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
            return "cannot resolve host '" + host + "'";
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private static InetAddress anyIpv4() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
