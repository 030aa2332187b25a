package org.multiserver.ws;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.multiserver.address.Section;
import org.multiserver.net.NetOptions;
import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.Listener;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.ReadGate;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;

/**
 * WebSockets over the {@code net} transport: TCP comes from it (binding, dialling, scope hosts, error wording), and
 * this transport adds TLS for wss, the HTTP upgrade and the frames.
 */
final class WsTransport implements Transport {
    private static final NetTransportProvider NET = new NetTransportProvider();

    private final PluginContext context;
    /** For listening: the spec this instance was created for, or null. */
    private final WsAddress spec;
    private final boolean secureServer;
    private volatile SslContext clientTls;

    WsTransport(PluginContext context) {
        this.context = context;
        this.spec = context.listenSpec().filter(WsAddress::isOurs).map(WsAddress::parseListen).orElse(null);
        this.secureServer = spec != null
                ? spec.secure()
                : context.has(WsOptions.TLS_CERT) && context.has(WsOptions.TLS_KEY);
        int max = context.option(WsOptions.MAX_FRAME_SIZE);
        if (max < 125 || max > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("option " + WsOptions.MAX_FRAME_SIZE.name() + " must be at least 125"
                    + " bytes, got " + max);
        }
    }

    /** {@code wss} for a server with TLS, else {@code ws}; either dials both. */
    @Override
    public String name() {
        return secureServer ? WsAddress.WSS : WsAddress.WS;
    }

    /** WebSockets have no half-close: {@link org.multiserver.spi.EndOfOutput} closes the connection. */
    @Override
    public boolean supportsHalfClose() {
        return false;
    }

    @Override
    public Optional<Endpoint> parse(Section section) {
        if (!WsAddress.isOurs(section)) {
            return Optional.empty();
        }
        WsAddress target = WsAddress.parseDial(section);
        Section canonical = target.section();
        return Optional.of(new Endpoint() {
            @Override
            public Section section() {
                return canonical;
            }

            @Override
            public CompletableFuture<Channel> connect() {
                return dial(target, canonical, channel -> { });
            }

            @Override
            public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                return dial(target, canonical, beforeFirstRead);
            }
        });
    }

    /** TCP from net, then TLS and the upgrade; {@code beforeFirstRead} runs after the upgrade, before any data. */
    private CompletableFuture<Channel> dial(WsAddress target, Section address, Consumer<Channel> beforeFirstRead) {
        SslContext ssl;
        try {
            ssl = target.secure() ? clientTls() : null;
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IOException(address + ": " + e.getMessage(), e));
        }
        Section tcpAddress = WsAddress.netSection(target.host(), target.portOrDefault());
        Endpoint tcp = NET.create(context).parse(tcpAddress).orElseThrow();
        // A peer that answers before our request (not HTTP at all) must reach the HTTP codec, not an empty pipeline.
        ReadGate gate = new ReadGate();
        CompletableFuture<Channel> connecting = tcp.connect(ch -> ch.pipeline().addLast(ReadGate.NAME, gate));
        CompletableFuture<Channel> result = new CompletableFuture<>();
        result.whenComplete((ch, error) -> {
            if (result.isCancelled()) {
                connecting.cancel(false);
                connecting.thenAccept(Channel::close);
            }
        });
        connecting.whenComplete((ch, error) -> {
            if (error != null) {
                result.completeExceptionally(renamed(error, tcpAddress, address));
                return;
            }
            if (result.isDone()) {
                ch.close();
                return;
            }
            ch.eventLoop().execute(() -> {
                WsClientHandshake.start(ch, target, ssl, context.option(WsOptions.MAX_FRAME_SIZE),
                        context.handshakeTimeout(), result, beforeFirstRead);
                gate.open();
            });
        });
        return result;
    }

    /** The net transport's error ("net:h:1: connection refused") told with our address. */
    private static Throwable renamed(Throwable error, Section tcpAddress, Section address) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = String.valueOf(e.getMessage());
        String prefix = tcpAddress + ": ";
        String why = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        return new IOException(address + ": " + why, e);
    }

    private SslContext clientTls() {
        SslContext ssl = clientTls;
        if (ssl == null) {
            ssl = Tls.client(context);
            clientTls = ssl;
        }
        return ssl;
    }

    @Override
    public CompletableFuture<Listener> listen(Acceptor acceptor) {
        boolean secure = secureServer;
        String path = spec != null ? spec.path() : "";
        String host = spec != null && spec.host() != null ? spec.host() : context.option(WsOptions.HOST);
        int port = spec != null && spec.port() >= 0 ? spec.port() : context.option(WsOptions.PORT);
        if (host == null) {
            boolean deviceOnly = context.scopes().map(s -> s.equals(Set.of(Scope.DEVICE))).orElse(true);
            host = deviceOnly ? "127.0.0.1" : "0.0.0.0";
        }
        WsServerHandshake.Config config;
        try {
            config = new WsServerHandshake.Config(secure,
                    new WsAddress(secure, host, port, path).serverPath(),
                    context.option(WsOptions.MAX_FRAME_SIZE), context.handshakeTimeout(),
                    context.option(WsOptions.HTTP_RESPONDER), context.option(WsOptions.HTTP_HANDLER),
                    secure ? Tls.server(context) : null, AllowedOrigins.of(context.option(WsOptions.ORIGINS)));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        PluginContext tcpContext = context.toBuilder()
                .listenSpec(WsAddress.netSection(host, port))
                .option(NetOptions.EXTERNAL, context.option(WsOptions.EXTERNAL))
                .build();
        ChannelGroup upgraded = new DefaultChannelGroup("ws-upgraded", GlobalEventExecutor.INSTANCE);
        Acceptor tracking = (channel, remote) -> {
            upgraded.add(channel);
            acceptor.accept(channel, remote);
        };
        return NET.create(tcpContext)
                .listen((channel, tcpRemote) -> WsServerHandshake.install(channel, config, tracking))
                .thenApply(tcp -> new WsListener(tcp, upgraded, secure, path));
    }

    /** The net listener's addresses, as WebSocket URLs. */
    private record WsListener(Listener tcp, ChannelGroup upgraded, boolean secure, String path) implements Listener {
        @Override
        public Set<Scope> scopes() {
            return tcp.scopes();
        }

        @Override
        public List<Section> addresses(Scope scope) {
            List<Section> sections = new ArrayList<>();
            for (Section net : tcp.addresses(scope)) {
                sections.add(WsAddress.fromNet(net, secure, path).section());
            }
            return sections;
        }

        @Override
        public CompletableFuture<Void> close() {
            for (Channel channel : upgraded) {
                channel.attr(WsFrameCodec.GOING_AWAY).set(Boolean.TRUE);
            }
            return tcp.close();
        }
    }
}
