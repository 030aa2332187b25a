package org.multiserver.tck.reference;

import io.netty.channel.Channel;
import io.netty.channel.local.LocalAddress;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.Section;
import org.multiserver.spi.HalfCloseHandler;
import org.multiserver.spi.Listener;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/**
 * The reference transport with one deliberate fault each, for the kit's self-tests: each must fail exactly the rule
 * it breaks. Most are wrappers that change one behaviour and forward the rest.
 */
public final class BrokenTransports {
    private BrokenTransports() {
    }

    /** {@code Listener.close()} unbinds but leaves the accepted connections open. */
    public static TransportProvider leakyClose() {
        return provider(LeakyClose::new);
    }

    /** Cancelling a connect does nothing: the connection is made anyway and nobody closes it. */
    public static TransportProvider ignoresCancel() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            Endpoint endpoint(Endpoint endpoint) {
                return new ForwardingEndpoint(endpoint) {
                    @Override
                    public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                        // A dependent: cancelling it stops nothing.
                        return super.connect(beforeFirstRead).thenApply(ch -> ch);
                    }
                };
            }
        });
    }

    /** Prints {@code local:<name>:v1}, which it dials, but parses back to {@code local:<name>}. */
    public static TransportProvider sloppyPrint() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            public Optional<Endpoint> parse(Section section) {
                if (section.data().size() == 2 && "v1".equals(section.item(1))) {
                    return super.parse(Section.of(section.name(), section.item(0)));
                }
                return super.parse(section);
            }

            @Override
            Listener listener(Listener listener) {
                return new ForwardingListener(listener) {
                    @Override
                    public List<Section> addresses(Scope scope) {
                        return super.addresses(scope).stream()
                                .map(s -> Section.of(s.name(), s.item(0), "v1")).toList();
                    }
                };
            }
        });
    }

    /** Answers "not mine" for its own malformed sections instead of a syntax error. */
    public static TransportProvider lenientParse() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            public Optional<Endpoint> parse(Section section) {
                try {
                    return super.parse(section);
                } catch (AddressSyntaxException e) {
                    return Optional.empty();
                }
            }
        });
    }

    /** Plain local channels: no flow control, so a writer never notices a reader that stopped. */
    public static TransportProvider noFlowControl() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            void connected(Channel channel) {
                channel.pipeline().remove(LocalFlowControl.NAME);
            }

            @Override
            void accepted(Channel channel) {
                channel.pipeline().remove(LocalFlowControl.NAME);
            }
        });
    }

    /** Claims half-close but closes the connection on {@code EndOfOutput}. */
    public static TransportProvider falseHalfClose() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            void connected(Channel channel) {
                accepted(channel);
            }

            @Override
            void accepted(Channel channel) {
                channel.pipeline().replace(LocalHalfClose.NAME, HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
            }
        });
    }

    /** Fails a refused connect with an error that does not say where it tried. */
    public static TransportProvider vagueErrors() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            Endpoint endpoint(Endpoint endpoint) {
                return new ForwardingEndpoint(endpoint) {
                    @Override
                    public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                        CompletableFuture<Channel> inner = super.connect(beforeFirstRead);
                        return cancelsDown(inner, inner.exceptionallyCompose(e ->
                                CompletableFuture.failedFuture(new IOException("connection failed"))));
                    }
                };
            }
        });
    }

    /**
     * Calls {@code beforeFirstRead} late: the racy default of {@code Endpoint.connect(beforeFirstRead)} (call it once
     * the connect completed) made certain. The connect completes only after the server's acceptor returned and the
     * client's event loop then ran once more, so whatever a server writes as it accepts has been read, and lost off
     * the end of the pipeline, before the callback installs anything. Where the client speaks first nothing is lost:
     * the callback still runs before the future completes.
     */
    public static TransportProvider lateBeforeFirstRead() {
        return provider(LateBeforeFirstRead::new);
    }

    private static final class LateBeforeFirstRead extends Forwarding {
        /** Per client (by its local name, which the server sees as the remote): its acceptor has returned. */
        private final Map<String, CompletableFuture<Void>> accepted = new ConcurrentHashMap<>();

        LateBeforeFirstRead(Transport inner) {
            super(inner);
        }

        private CompletableFuture<Void> acceptorReturned(String client) {
            return accepted.computeIfAbsent(client, name -> new CompletableFuture<>());
        }

        @Override
        public CompletableFuture<Listener> listen(Acceptor acceptor) {
            return super.listen((channel, remote) -> {
                acceptor.accept(channel, remote);
                acceptorReturned(remote.item(0)).complete(null);
            });
        }

        @Override
        Endpoint endpoint(Endpoint endpoint) {
            return new ForwardingEndpoint(endpoint) {
                @Override
                public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                    CompletableFuture<Channel> inner = super.connect(channel -> { });
                    return cancelsDown(inner, inner.thenCompose(channel -> {
                        String self = ((LocalAddress) channel.localAddress()).id();
                        return acceptorReturned(self).thenCompose(returned -> {
                            // A task queued behind the server's bytes, which are read (and lost) first.
                            CompletableFuture<Channel> late = new CompletableFuture<>();
                            channel.eventLoop().execute(() -> {
                                accepted.remove(self);
                                beforeFirstRead.accept(channel);
                                late.complete(channel);
                            });
                            return late;
                        });
                    }));
                }
            };
        }
    }

    /** The reference transport configured without half-close: not broken, a capability variant. */
    public static TransportProvider withoutHalfClose() {
        return new TransportProvider() {
            @Override
            public String name() {
                return LocalTransport.NAME;
            }

            @Override
            public Transport create(PluginContext context) {
                return new LocalTransportProvider().create(context.toBuilder()
                        .option(LocalTransportProvider.HALF_CLOSE, false).build());
            }
        };
    }

    /** A wrapper's future must pass cancellation down, or it breaks the cancel rule by accident. */
    private static <T> CompletableFuture<T> cancelsDown(CompletableFuture<?> inner, CompletableFuture<T> outer) {
        outer.whenComplete((value, error) -> {
            if (outer.isCancelled()) {
                inner.cancel(true);
            }
        });
        return outer;
    }

    private static TransportProvider provider(UnaryOperator<Transport> fault) {
        return new TransportProvider() {
            @Override
            public String name() {
                return LocalTransport.NAME;
            }

            @Override
            public Transport create(PluginContext context) {
                return fault.apply(new LocalTransportProvider().create(context));
            }
        };
    }

    /** The one fault that needs the transport's parts: a listener that closes its server channel only. */
    private static final class LeakyClose extends Forwarding {
        private final LocalTransport local;

        LeakyClose(Transport inner) {
            super(inner);
            this.local = (LocalTransport) inner;
        }

        @Override
        public CompletableFuture<Listener> listen(Acceptor acceptor) {
            return LocalServer.bind(local, local.loops(), "leaky-" + System.nanoTime(), acceptor)
                    .thenApply(server -> new Listener() {
                        @Override
                        public Set<Scope> scopes() {
                            return Set.of(Scope.DEVICE);
                        }

                        @Override
                        public List<Section> addresses(Scope scope) {
                            return scope == Scope.DEVICE ? List.of(Section.of(LocalTransport.NAME, server.name()))
                                    : List.of();
                        }

                        @Override
                        public CompletableFuture<Void> close() {
                            return server.closeServerChannel(); // the fault: server.closeAccepted() is missing
                        }
                    });
        }
    }

    /** Forwards everything; subclasses override the one behaviour they break. */
    private static class Forwarding implements Transport {
        private final Transport inner;

        Forwarding(Transport inner) {
            this.inner = inner;
        }

        Endpoint endpoint(Endpoint endpoint) {
            return new ForwardingEndpoint(endpoint) {
                @Override
                public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                    return super.connect(channel -> {
                        connected(channel);
                        beforeFirstRead.accept(channel);
                    });
                }
            };
        }

        /** Changes a client channel, in {@code beforeFirstRead}, before the kit's handlers go in. */
        void connected(Channel channel) {
        }

        void accepted(Channel channel) {
        }

        Listener listener(Listener listener) {
            return listener;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Optional<Endpoint> parse(Section section) {
            return inner.parse(section).map(this::endpoint);
        }

        @Override
        public CompletableFuture<Listener> listen(Acceptor acceptor) {
            return inner.listen((channel, remote) -> {
                accepted(channel);
                acceptor.accept(channel, remote);
            }).thenApply(this::listener);
        }

        @Override
        public boolean supportsHalfClose() {
            return inner.supportsHalfClose();
        }
    }

    private static class ForwardingEndpoint implements Transport.Endpoint {
        private final Transport.Endpoint inner;

        ForwardingEndpoint(Transport.Endpoint inner) {
            this.inner = inner;
        }

        @Override
        public Section section() {
            return inner.section();
        }

        @Override
        public CompletableFuture<Channel> connect() {
            return connect(channel -> { });
        }

        @Override
        public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
            return inner.connect(beforeFirstRead);
        }
    }

    private static class ForwardingListener implements Listener {
        private final Listener inner;

        ForwardingListener(Listener inner) {
            this.inner = inner;
        }

        @Override
        public Set<Scope> scopes() {
            return inner.scopes();
        }

        @Override
        public List<Section> addresses(Scope scope) {
            return inner.addresses(scope);
        }

        @Override
        public CompletableFuture<Void> close() {
            return inner.close();
        }
    }
}
