package org.multiserver.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.MultiAddress;
import org.multiserver.spi.Listener;
import org.multiserver.spi.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many protocols at once, behind one address. A MultiServer holds stacks (a transport and its transforms, such as
 * {@code net~shs}); {@link #listen} serves all of them and prints one address that lists them all, and
 * {@link #connect} dials the first alternative of an address that one of its stacks understands.
 *
 * <pre>{@code
 * try (MultiServer ms = MultiServer.of("net:127.0.0.1:0~shs", "ws://127.0.0.1:0~shs")) {
 *     MultiServer.Listening server = ms.serve(c -> c.input().transferTo(c.output()));
 *     Connection c = ms.connect(server.stringify()).join();   // net:127.0.0.1:40123~shs:<our key>;ws://...
 * }
 * }</pre>
 *
 * All stacks share one event loop group (NIO by default, epoll on request), closed with the MultiServer. Dialling
 * is {@code Dialer}'s work, serving {@code Admission}'s, and the builder's body is in {@code Settings}.
 */
public final class MultiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MultiServer.class);

    /** Default for {@link Builder#maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 65_536;
    /** Default for {@link Builder#maxHandshakesInFlight}: a few hundred keeps a 2-core machine answering. */
    public static final int DEFAULT_MAX_HANDSHAKES = 512;

    private final EventLoops loops;
    private final List<Stack> stacks;
    private final Admission admission;
    private final Dialer dialer;
    /** True for a MultiServer built without stacks: it dials with stacks its plugins make, and cannot listen. */
    private final boolean clientOnly;
    private final List<Listening> listening = new ArrayList<>();
    private volatile boolean closed;

    MultiServer(EventLoops loops, List<Stack> stacks, Admission admission, StackMaker dialPlugins) {
        this.loops = loops;
        this.stacks = List.copyOf(stacks);
        this.admission = admission;
        this.clientOnly = dialPlugins != null;
        this.dialer = new Dialer(this.stacks, dialPlugins, () -> closed);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A MultiServer serving {@code specs} (listen specs such as {@code net:0.0.0.0:8008~shs}) with the plugins on the
     * class path and a fresh identity: {@code builder().listen(spec)...build()}.
     */
    public static MultiServer of(String... specs) {
        Builder builder = builder();
        for (String spec : specs) {
            builder.listen(spec);
        }
        return builder.build();
    }

    /**
     * A pure client with the plugins on the class path: it dials any address whose sections those plugins understand
     * (drop a plugin jar on the class path and its addresses work), with a fresh identity. Same as
     * {@code builder().build()}; use the builder for options, an identity or another class loader.
     */
    public static MultiServer client() {
        return builder().build();
    }

    /** Connections open right now on the servers of this MultiServer, handshaking or established. */
    public int openConnections() {
        return admission.openConnections();
    }

    /** The shapes of the stacks, such as {@code [net~shs, ws~shs]}. */
    public List<String> stackShapes() {
        return stacks.stream().map(Stack::shape).toList();
    }

    /** Whether the event loops are native (epoll) rather than NIO. */
    public boolean nativeTransport() {
        return loops.nativeTransport();
    }

    /**
     * Binds every stack at once. Each connection that completes its transforms goes to {@code handler}, called on a
     * thread of its own (so it may block on {@link Connection#input()}), or on the connection's event loop with
     * {@link Builder#handlersOnEventLoop}. If one stack fails to bind, the others are closed and the future fails
     * with a {@link ListenException} naming the stack and the reason.
     */
    public CompletableFuture<Listening> listen(Consumer<Connection> handler) {
        Objects.requireNonNull(handler, "handler");
        return bind(handler::accept);
    }

    /**
     * {@link #listen}, waiting until every stack is bound, with a handler that may throw {@link IOException} and
     * whose connection is closed when it returns (see {@link ConnectionHandler}).
     *
     * @throws ListenException when a stack cannot bind (the others are closed)
     */
    public Listening serve(ConnectionHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        ConnectionHandler closing = connection -> {
            try {
                handler.handle(connection);
            } finally {
                connection.close();
            }
        };
        try {
            return bind(closing).join();
        } catch (CompletionException e) {
            Throwable cause = Failures.unwrap(e);
            if (cause instanceof IOException io) {
                throw io;
            }
            throw cause instanceof RuntimeException r ? r : e;
        }
    }

    private CompletableFuture<Listening> bind(ConnectionHandler handler) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("MultiServer is closed"));
        }
        if (clientOnly) {
            return CompletableFuture.failedFuture(new IllegalStateException("this MultiServer was built without"
                    + " stacks: it only dials; add listen(spec) to the builder to serve"));
        }
        List<CompletableFuture<Listener>> binds = new ArrayList<>();
        for (Stack stack : stacks) {
            binds.add(stack.transport().listen((channel, remote) -> admission.accept(stack, channel, remote, handler))
                    .handle((listener, error) -> {
                        if (error != null) {
                            throw new CompletionException(new ListenException(stack.shape(), error));
                        }
                        return listener;
                    }));
        }
        return CompletableFuture.allOf(binds.toArray(CompletableFuture[]::new)).handle((ok, error) -> {
            List<Listener> bound = new ArrayList<>();
            for (CompletableFuture<Listener> b : binds) {
                if (!b.isCompletedExceptionally()) {
                    bound.add(b.join());
                }
            }
            if (error != null) {
                bound.forEach(Listener::close);
                throw new CompletionException(Failures.unwrap(error));
            }
            Listening result = new Servers(stacks, bound, this::forget);
            synchronized (listening) {
                listening.add(result);
            }
            return result;
        });
    }

    /** A closed {@link Listening} is no longer ours to close: a server that listens again and again keeps none. */
    private void forget(Listening closedOne) {
        synchronized (listening) {
            listening.remove(closedOne);
        }
    }

    /** Dials {@code address}; see {@link #connect(MultiAddress)}. A syntax error fails the future. */
    public CompletableFuture<Connection> connect(String address) {
        try {
            return connect(MultiAddress.parse(address));
        } catch (AddressSyntaxException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Dials the alternatives of {@code address} in order: one that no stack understands is skipped, one that fails
     * falls through to the next, and the final {@link DialException} lists every attempt. Stacks match by their
     * exact section names. Cancelling the future aborts the attempt in flight and closes what it opened.
     */
    public CompletableFuture<Connection> connect(MultiAddress address) {
        return dialer.connect(address);
    }

    /** Closes every server this MultiServer started, then the event loops. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Listening> all;
        synchronized (listening) {
            all = new ArrayList<>(listening);
        }
        for (Listening l : all) {
            try {
                l.close().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("closing a server failed", e);
            }
        }
        loops.group().shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        admission.close();
    }

    /** The servers of one {@link #listen}: prints the full address for a scope and closes everything. */
    public interface Listening {
        /**
         * The address clients in {@code scope} can dial: every stack that serves the scope, with real ports, joined
         * by {@code ;}; empty when none does.
         */
        Optional<MultiAddress> address(Scope scope);

        /** {@link #address(Scope)} as text, or an empty string when no stack serves the scope. */
        default String stringify(Scope scope) {
            return address(scope).map(MultiAddress::toString).orElse("");
        }

        /**
         * The address for the narrowest scope that has one: {@link Scope#DEVICE} (as the JS multiserver's
         * {@code stringify()}) for a server on loopback or any interface, {@link Scope#PUBLIC} for an onion service
         * only; an empty string when no stack serves any scope.
         */
        default String stringify() {
            for (Scope scope : Scope.values()) {
                Optional<MultiAddress> address = address(scope);
                if (address.isPresent()) {
                    return address.get().toString();
                }
            }
            return "";
        }

        /** Closes every server of this listen and the connections they accepted. */
        CompletableFuture<Void> close();
    }

    /** Where server-side failures go: a peer that failed a handshake never stops the server. */
    @FunctionalInterface
    public interface ServerErrorHandler {
        /**
         * @param peer  the peer's address as the transport saw it
         * @param stack the stack's shape, such as {@code net~shs}
         * @param error what went wrong: a {@link RefusedException} when a limit refused the peer
         */
        void onError(String peer, String stack, Throwable error);

        /** The default: one line at debug level (failed handshakes are a normal part of serving strangers). */
        ServerErrorHandler LOG_AT_DEBUG = (peer, stack, error) ->
                LOG.debug("{} from {} failed: {}", stack, peer, Failures.message(error));
    }

    /** Builds a MultiServer; its methods are declared in the package-private {@code Settings}. */
    public static final class Builder extends Settings {
        private Builder() {
        }
    }
}
