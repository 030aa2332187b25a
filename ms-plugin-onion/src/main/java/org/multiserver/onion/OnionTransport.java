package org.multiserver.onion;

import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.multiserver.address.Section;
import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.HalfCloseHandler;
import org.multiserver.spi.Listener;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tor onion services. The client dials {@code onion:{host}:{port}} through tor's SOCKS port; the server asks a
 * running tor, through its control port, to publish an onion service that forwards to a net listener of ours on
 * loopback, and removes it on close. Tor streams cannot half-close, so neither can this transport.
 */
final class OnionTransport implements Transport {
    static final String NAME = OnionAddress.NAME;
    private static final Logger LOG = LoggerFactory.getLogger(OnionTransport.class);
    /** Accepted connections come from tor, which tells nothing about the client: the peer is an anonymous onion. */
    private static final Section ANONYMOUS_PEER = Section.of(NAME);

    private final PluginContext context;
    private final List<TorEndpoint> proxies;
    private final Duration timeout;

    OnionTransport(PluginContext context) {
        this.context = context;
        this.proxies = context.option(OnionOptions.SOCKS).stream()
                .map(text -> TorEndpoint.parse(OnionOptions.SOCKS.name(), text)).toList();
        if (proxies.isEmpty()) {
            throw new IllegalArgumentException("option " + OnionOptions.SOCKS.name() + " lists no proxy");
        }
        Duration t = context.option(OnionOptions.CONNECT_TIMEOUT);
        if (t != null && (t.isNegative() || t.isZero())) {
            throw new IllegalArgumentException("option " + OnionOptions.CONNECT_TIMEOUT.name()
                    + " must be positive, got " + t);
        }
        this.timeout = t != null ? t : context.connectTimeout();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supportsHalfClose() {
        return false;
    }

    // ---- client ----

    @Override
    public Optional<Endpoint> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        OnionAddress target = OnionAddress.parse(section);
        Section canonical = target.section();
        return Optional.of(new Endpoint() {
            @Override
            public Section section() {
                return canonical;
            }

            @Override
            public CompletableFuture<Channel> connect() {
                return connect(channel -> { });
            }

            @Override
            public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                return new SocksDial(context, proxies, timeout, canonical, target, beforeFirstRead).start();
            }
        });
    }

    // ---- server ----

    @Override
    public CompletableFuture<Listener> listen(Acceptor acceptor) {
        Publication publication;
        try {
            publication = new Publication(acceptor);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return publication.start();
    }

    /** The steps of one listen, undone in reverse when one fails: control connection, net listener, service. */
    private final class Publication {
        private final Acceptor acceptor;
        private final int virtualPort;
        private final TorEndpoint controlAt;
        private final Path keyFile;
        private final String storedKey;
        private volatile TorControl control;
        private volatile Listener local;

        Publication(Acceptor acceptor) throws IOException {
            this.acceptor = acceptor;
            if (context.scopes().isPresent() && !context.scopes().get().contains(Scope.PUBLIC)) {
                throw new IOException("an onion service serves the public scope, not " + context.scopes().get());
            }
            this.virtualPort = virtualPort();
            this.controlAt = TorEndpoint.parse(OnionOptions.CONTROL.name(), context.option(OnionOptions.CONTROL));
            String file = context.option(OnionOptions.KEY_FILE);
            this.keyFile = file == null ? null : Path.of(file);
            this.storedKey = keyFile == null ? null : OnionKeyFile.read(keyFile);
        }

        private int virtualPort() {
            Optional<Section> spec = context.listenSpec().filter(s -> !s.data().isEmpty());
            if (spec.isPresent()) {
                Section s = spec.get();
                String text = s.item(s.data().size() - 1);
                if (s.data().size() != 1 || !text.matches("[0-9]{1,5}") || Integer.parseInt(text) < 1
                        || Integer.parseInt(text) > 65535) {
                    throw s.syntaxError(0, "an onion listen spec is onion or onion:{virtual port}, as in onion:8008");
                }
                return Integer.parseInt(text);
            }
            int port = context.option(OnionOptions.VIRTUAL_PORT);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("option " + OnionOptions.VIRTUAL_PORT.name()
                        + " must be a port from 1 to 65535, got " + port);
            }
            return port;
        }

        CompletableFuture<Listener> start() {
            CompletableFuture<Listener> done = TorControl.connect(context, controlAt, timeout)
                    .thenCompose(c -> {
                        control = c;
                        return TorAuthentication.authenticate(c, context.option(OnionOptions.CONTROL_PASSWORD),
                                context.option(OnionOptions.COOKIE_FILE));
                    })
                    .thenCompose(authenticated -> localListener().listen(this::accepted))
                    .thenCompose(listener -> {
                        local = listener;
                        return addOnion();
                    });
            return done.whenComplete((listener, error) -> {
                if (error != null) {
                    undo();
                }
            });
        }

        /** The net listener tor forwards to: loopback, a free port, device scope (it is not the public face). */
        private Transport localListener() {
            PluginContext netContext = context.toBuilder()
                    .listenSpec(Section.of("net", "127.0.0.1", "0"))
                    .scopes(Set.of(Scope.DEVICE))
                    .build();
            return new NetTransportProvider().create(netContext);
        }

        private void accepted(Channel channel, Section remote) {
            // tor ends the whole stream when it reads our end of output, so end means close here.
            channel.pipeline().replace(HalfCloseHandler.NAME, CloseOnEndOfOutput.NAME, CloseOnEndOfOutput.INSTANCE);
            acceptor.accept(channel, ANONYMOUS_PEER);
        }

        private CompletableFuture<Listener> addOnion() {
            int localPort = localPort(local);
            String key = storedKey != null ? storedKey
                    : keyFile != null ? "NEW:ED25519-V3" : "NEW:ED25519-V3 Flags=DiscardPK";
            // Not detached: tor removes the service by itself if this process dies and the connection drops.
            String command = "ADD_ONION " + key + " Port=" + virtualPort + ",127.0.0.1:" + localPort;
            return control.expectOk(command).thenApply(reply -> {
                String serviceId = reply.value("ServiceID");
                if (serviceId == null || OnionAddress.whyNotV3(serviceId + ".onion") != null) {
                    throw new CompletionException(new IOException("tor's ADD_ONION answer has no valid ServiceID: "
                            + reply.status()));
                }
                OnionListener listener = new OnionListener(control, local, serviceId, virtualPort);
                if (storedKey == null && keyFile != null) {
                    try {
                        OnionKeyFile.write(keyFile, reply.value("PrivateKey"));
                    } catch (IOException | RuntimeException e) {
                        listener.close();
                        throw new CompletionException(e);
                    }
                }
                LOG.debug("published {} -> 127.0.0.1:{}", listener.section, localPort);
                listener.watch();
                return listener;
            });
        }

        private void undo() {
            TorControl c = control;
            if (c != null) {
                c.close();
            }
            Listener l = local;
            if (l != null) {
                l.close();
            }
        }
    }

    private static int localPort(Listener local) {
        // The net listener prints net:127.0.0.1:<port> for the device scope; the port is its last item.
        List<Section> printed = local.addresses(Scope.DEVICE);
        Section s = printed.get(0);
        return Integer.parseInt(s.item(s.data().size() - 1));
    }

    /** A published onion service: prints its address for the public scope and removes the service on close. */
    static final class OnionListener implements Listener {
        private final TorControl control;
        private final Listener local;
        private final String serviceId;
        private final Section section;
        private volatile boolean closing;

        OnionListener(TorControl control, Listener local, String serviceId, int virtualPort) {
            this.control = control;
            this.local = local;
            this.serviceId = serviceId;
            this.section = Section.of(NAME, serviceId + ".onion", Integer.toString(virtualPort));
        }

        /** The loopback port tor forwards to. */
        int localPort() {
            return OnionTransport.localPort(local);
        }

        /** Tor drops a non-detached service with its control connection: say so if that happens under us. */
        void watch() {
            control.closeFuture().thenRun(() -> {
                if (!closing) {
                    LOG.warn("tor's control port at {} closed the connection: the onion service {} is gone",
                            control.endpoint(), section);
                }
            });
        }

        @Override
        public Set<Scope> scopes() {
            return Set.of(Scope.PUBLIC);
        }

        @Override
        public List<Section> addresses(Scope scope) {
            return scope == Scope.PUBLIC ? List.of(section) : List.of();
        }

        @Override
        public CompletableFuture<Void> close() {
            closing = true;
            CompletableFuture<?> removed = control.isOpen()
                    ? control.expectOk("DEL_ONION " + serviceId).handle((reply, error) -> {
                        if (error != null) {
                            LOG.debug("removing {} failed: {}", section, error.getMessage());
                        }
                        return null;
                    })
                    : CompletableFuture.completedFuture(null);
            return removed.thenCompose(x -> control.close().handle((ok, error) -> null))
                    .thenCompose(x -> local.close());
        }
    }
}
