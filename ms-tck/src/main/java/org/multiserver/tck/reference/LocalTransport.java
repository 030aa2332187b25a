package org.multiserver.tck.reference;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.Section;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.HalfCloseHandler;
import org.multiserver.spi.Listener;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;

/** See {@link LocalTransportProvider}. */
final class LocalTransport implements Transport {
    static final String NAME = "local";

    /** Client addresses hold a '.', which server names cannot, so a client never takes a name a server wants. */
    private static final String CLIENT_PREFIX = "peer.";
    private static final AtomicLong CLIENTS = new AtomicLong();
    private static final AtomicLong EPHEMERAL = new AtomicLong();

    /**
     * How the server side of a connection finds the flow-control link its client created: keyed by the client's
     * local address, which the server child sees as its remote address. Local channels are JVM-wide, so is this.
     */
    private static final Map<LocalAddress, LocalFlowControl.Link> LINKS = new ConcurrentHashMap<>();

    private final PluginContext context;
    private final EventLoopGroup loops;
    private final boolean halfClose;

    LocalTransport(PluginContext context, EventLoopGroup loops, boolean halfClose) {
        this.context = context;
        this.loops = loops;
        this.halfClose = halfClose;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The group this transport's channels run on. */
    EventLoopGroup loops() {
        return loops;
    }

    @Override
    public boolean supportsHalfClose() {
        return halfClose;
    }

    @Override
    public Optional<Endpoint> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        String name = LocalNames.forDialling(section);
        Section canonical = Section.of(NAME, name);
        return Optional.of(new Endpoint() {
            @Override
            public Section section() {
                return canonical;
            }

            @Override
            public CompletableFuture<Channel> connect() {
                return dial(canonical, name, channel -> { });
            }

            @Override
            public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                return dial(canonical, name, beforeFirstRead);
            }
        });
    }

    private CompletableFuture<Channel> dial(Section address, String name, Consumer<Channel> beforeFirstRead) {
        LocalAddress self = new LocalAddress(CLIENT_PREFIX + CLIENTS.incrementAndGet());
        LocalFlowControl.Link link = new LocalFlowControl.Link();
        LINKS.put(self, link);
        Bootstrap bootstrap = new Bootstrap()
                .group(loops)
                .channel(LocalChannel.class)
                .handler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        // At registration, on the event loop, before the connect: nothing can be read yet.
                        install(ch.pipeline(), LocalFlowControl.client(link));
                        beforeFirstRead.accept(ch);
                    }
                });
        ChannelFuture connect;
        try {
            connect = bootstrap.connect(new LocalAddress(name), self);
        } catch (RuntimeException e) {
            LINKS.remove(self);
            return CompletableFuture.failedFuture(describe(address, e));
        }
        // Whatever happens, the link must not outlive the attempt: the server removes it when it accepts.
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                LINKS.remove(self);
            }
        });
        connect.channel().closeFuture().addListener(f -> LINKS.remove(self));
        return ChannelFutures.connected(connect, error -> describe(address, error));
    }

    private static Throwable describe(Section address, Throwable error) {
        String why = error instanceof ConnectException
                ? "connection refused (nothing listens on that name in this JVM)"
                : error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        return new IOException(address + ": " + why, error);
    }

    /** The transport's own handlers, first in both pipelines of a connection. */
    void install(ChannelPipeline pipeline, LocalFlowControl flowControl) {
        pipeline.addLast(LocalFlowControl.NAME, flowControl);
        if (halfClose) {
            pipeline.addLast(LocalHalfClose.NAME, new LocalHalfClose());
        } else {
            pipeline.addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE); // closes: not a DuplexChannel
        }
    }

    /**
     * Sets up the server side of an accepted channel: finds its link, installs the handlers. Returns the remote
     * section, or empty when the peer did not come through this transport (no link), which the caller closes.
     */
    Optional<Section> accept(LocalChannel child) {
        LocalAddress peer = child.remoteAddress();
        LocalFlowControl.Link link = peer == null ? null : LINKS.remove(peer);
        if (link == null) {
            return Optional.empty();
        }
        install(child.pipeline(), LocalFlowControl.server(link));
        return Optional.of(Section.of(NAME, peer.id()));
    }

    @Override
    public CompletableFuture<Listener> listen(Acceptor acceptor) {
        String name;
        try {
            name = context.listenSpec().filter(spec -> NAME.equals(spec.name()))
                    .map(LocalNames::forListening).orElse(null);
        } catch (AddressSyntaxException e) {
            return CompletableFuture.failedFuture(e);
        }
        String bound = name != null ? name : "ephemeral-" + EPHEMERAL.incrementAndGet();
        return LocalServer.bind(this, loops, bound, acceptor).thenApply(LocalListener::new);
    }

    private final class LocalListener implements Listener {
        private final LocalServer server;
        private final Set<Scope> scopes;

        LocalListener(LocalServer server) {
            this.server = server;
            // Nothing outside this JVM reaches a local channel: device is the only scope it can serve.
            this.scopes = context.scopes().map(s -> s.contains(Scope.DEVICE) ? Set.of(Scope.DEVICE) : Set.<Scope>of())
                    .orElse(Set.of(Scope.DEVICE));
        }

        @Override
        public Set<Scope> scopes() {
            return scopes;
        }

        @Override
        public List<Section> addresses(Scope scope) {
            return scopes.contains(scope) ? List.of(Section.of(NAME, server.name())) : List.of();
        }

        @Override
        public CompletableFuture<Void> close() {
            return CompletableFuture.allOf(server.closeServerChannel(), server.closeAccepted());
        }
    }
}
