package org.multiserver.core;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.multiserver.address.Address;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.MultiAddress;
import org.multiserver.address.Section;
import org.multiserver.spi.Identity;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.PluginProvider;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many protocols at once, behind one address. A MultiServer holds stacks (a transport and its transforms, such as
 * {@code net~shs}); {@link #listen} serves all of them and prints one address that lists them all, and
 * {@link #connect} dials the first alternative of an address that one of its stacks understands.
 *
 * <pre>{@code
 * try (MultiServer ms = MultiServer.builder().listen("net:127.0.0.1:0~shs").build()) {
 *     MultiServer.Listening server = ms.listen(connection -> ...).join();
 *     String address = server.stringify(Scope.DEVICE);   // net:127.0.0.1:40123~shs:<our key>
 * }
 * }</pre>
 *
 * All stacks share one event loop group (NIO by default, epoll on request), closed with the MultiServer.
 */
public final class MultiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MultiServer.class);

    private final EventLoops loops;
    private final List<Stack> stacks;
    private final ServerErrorHandler errorHandler;
    private final ExecutorService handlerExecutor;
    private final List<Listening> listening = new ArrayList<>();
    private volatile boolean closed;
    private final Limits limits;
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger handshaking =
            new java.util.concurrent.atomic.AtomicInteger();
    /** For a MultiServer built without stacks: the plugins it makes dialling stacks from, one per shape. */
    private final Context dialPlugins;
    private final Map<String, Optional<Stack>> dialStacks = new java.util.concurrent.ConcurrentHashMap<>();

    private MultiServer(EventLoops loops, List<Stack> stacks, ServerErrorHandler errorHandler, Limits limits,
                        Context dialPlugins) {
        this.loops = loops;
        this.dialPlugins = dialPlugins;
        this.limits = limits;
        this.stacks = List.copyOf(stacks);
        this.errorHandler = errorHandler;
        this.handlerExecutor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "multiserver-handler");
            t.setDaemon(true);
            return t;
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A pure client with the plugins on the class path: it dials any address whose sections those plugins understand
     * (drop a plugin jar on the class path and its addresses work), with a fresh identity. Same as
     * {@code builder().build()}; use the builder for options, an identity or another class loader.
     */
    public static MultiServer client() {
        return builder().build();
    }

    /** Default for {@link Builder#maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 65_536;
    /** Default for {@link Builder#maxHandshakesInFlight}: a few hundred keeps a 2-core machine answering. */
    public static final int DEFAULT_MAX_HANDSHAKES = 512;

    /** Connections open right now on the servers of this MultiServer, handshaking or established. */
    public int openConnections() {
        return open.get();
    }

    private record Limits(int maxConnections, int maxHandshakes) {
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
     * thread of its own (so it may block on {@link Connection#input()}). If one stack fails to bind, the others are
     * closed and the future fails with an error naming the stack and the reason.
     */
    public CompletableFuture<Listening> listen(Consumer<Connection> handler) {
        Objects.requireNonNull(handler, "handler");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("MultiServer is closed"));
        }
        if (dialPlugins != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("this MultiServer was built without"
                    + " stacks: it only dials; add listen(spec) to the builder to serve"));
        }
        List<CompletableFuture<org.multiserver.spi.Listener>> binds = new ArrayList<>();
        for (Stack stack : stacks) {
            binds.add(stack.transport().listen((channel, remote) -> accepted(stack, channel, remote, handler))
                    .handle((listener, error) -> {
                        if (error != null) {
                            throw new CompletionException(new java.io.IOException("could not listen on "
                                    + stack.shape() + ": " + rootMessage(error), unwrap(error)));
                        }
                        return listener;
                    }));
        }
        return CompletableFuture.allOf(binds.toArray(CompletableFuture[]::new)).handle((ok, error) -> {
            List<org.multiserver.spi.Listener> bound = new ArrayList<>();
            for (CompletableFuture<org.multiserver.spi.Listener> b : binds) {
                if (!b.isCompletedExceptionally()) {
                    bound.add(b.join());
                }
            }
            if (error != null) {
                bound.forEach(org.multiserver.spi.Listener::close);
                throw new CompletionException(unwrap(error));
            }
            Listening result = new Listening(stacks, bound, this::forget);
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
     * falls through to the next, and the final {@link ConnectException} lists every attempt. Stacks match by their
     * exact section names. Cancelling the future aborts the attempt in flight and closes what it opened.
     */
    public CompletableFuture<Connection> connect(MultiAddress address) {
        Dial dial = new Dial(address);
        dial.next(0);
        return dial.result;
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
        handlerExecutor.shutdownNow();
    }

    private void accepted(Stack stack, Channel channel, Section remote, Consumer<Connection> handler) {
        // Count first, then check, so accepts on several event loops at once cannot overshoot a limit.
        boolean tooMany = open.incrementAndGet() > limits.maxConnections();
        boolean tooBusy = handshaking.incrementAndGet() > limits.maxHandshakes();
        if (tooMany || tooBusy) {
            open.decrementAndGet();
            handshaking.decrementAndGet();
            channel.close();
            errorHandler.onError(remote.toString(), stack.shape(), new java.io.IOException(tooMany
                    ? "refused: " + limits.maxConnections() + " connections are open (the limit)"
                    : "refused: " + limits.maxHandshakes() + " handshakes are in flight (the limit)"));
            return;
        }
        // The handshake slot is freed once, by the transforms' outcome or the channel's close, whichever comes first:
        // a transform that never completes its future must not hold a slot for ever.
        java.util.concurrent.atomic.AtomicBoolean holdsSlot = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable freeSlot = () -> {
            if (holdsSlot.compareAndSet(true, false)) {
                handshaking.decrementAndGet();
            }
        };
        channel.closeFuture().addListener(f -> {
            open.decrementAndGet();
            freeSlot.run();
        });
        StreamHandler stream = new StreamHandler();
        channel.pipeline().addLast(StreamHandler.NAME, stream);
        CompletableFuture<List<Layer>> layers = runTransforms(stack.transforms().size(),
                i -> stack.transforms().get(i).wrapServer(channel));
        layers.whenComplete((done, error) -> {
            freeSlot.run();
            if (error != null) {
                channel.close();
                errorHandler.onError(remote.toString(), stack.shape(), unwrap(error));
                return;
            }
            Connection connection = connection(channel, remote, done, false, stream);
            handlerExecutor.execute(() -> {
                try {
                    handler.accept(connection);
                } catch (RuntimeException e) {
                    connection.close();
                    errorHandler.onError(remote.toString(), stack.shape(), e);
                }
            });
        });
    }

    private static Connection connection(Channel channel, Section remote, List<Layer> layers, boolean client,
                                         StreamHandler stream) {
        List<Section> sections = new ArrayList<>();
        sections.add(remote);
        Optional<String> identity = Optional.empty();
        for (Layer layer : layers) {
            sections.add(layer.remote());
            if (layer.identity().isPresent()) {
                identity = layer.identity();
            }
        }
        return new Connection(channel, new Address(sections), identity, client, stream);
    }

    /** Runs {@code count} transforms one after another, each on the channel the previous one left. */
    private static CompletableFuture<List<Layer>> runTransforms(int count,
                                                                Function<Integer, CompletableFuture<Layer>> step) {
        CompletableFuture<List<Layer>> chain = CompletableFuture.completedFuture(new ArrayList<>());
        for (int i = 0; i < count; i++) {
            int index = i;
            chain = chain.thenCompose(list -> {
                CompletableFuture<Layer> next;
                try {
                    next = step.apply(index);
                } catch (RuntimeException e) {
                    next = CompletableFuture.failedFuture(e);
                }
                return next.thenApply(layer -> {
                    list.add(layer);
                    return list;
                });
            });
        }
        return chain;
    }

    static Throwable unwrap(Throwable error) {
        while ((error instanceof CompletionException || error instanceof java.util.concurrent.ExecutionException)
                && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    static String rootMessage(Throwable error) {
        Throwable e = unwrap(error);
        String message = e.getMessage();
        return message != null ? message : e.getClass().getSimpleName();
    }

    /** One connect: walks the alternatives, keeping what was tried. */
    /** The stacks that may dial {@code alternative}: ours, or for a pure client the one its plugins make. */
    private List<Stack> candidates(Address alternative) {
        if (dialPlugins == null) {
            return stacks;
        }
        return dialStacks.computeIfAbsent(String.join("~", alternative.names()),
                shape -> dialPlugins.stackForDialing(alternative.names())).map(List::of).orElse(List.of());
    }

    private final class Dial {
        final MultiAddress address;
        final CompletableFuture<Connection> result = new CompletableFuture<>();
        final List<ConnectException.Attempt> attempts = new ArrayList<>();
        volatile CompletableFuture<?> inFlight;
        volatile Channel channel;

        Dial(MultiAddress address) {
            this.address = address;
            result.whenComplete((c, error) -> {
                if (result.isCancelled()) {
                    CompletableFuture<?> f = inFlight;
                    if (f != null) {
                        f.cancel(false);
                    }
                    Channel ch = channel;
                    if (ch != null) {
                        ch.close();
                    }
                }
            });
        }

        void next(int index) {
            if (result.isDone()) {
                return;
            }
            if (closed) {
                result.completeExceptionally(new IllegalStateException("MultiServer is closed"));
                return;
            }
            if (index == address.alternatives().size()) {
                result.completeExceptionally(new ConnectException(address.toString(), attempts));
                return;
            }
            Address alternative = address.alternatives().get(index);
            Stack stack = null;
            Stack.Plan plan = null;
            try {
                for (Stack candidate : candidates(alternative)) {
                    Optional<Stack.Plan> p = candidate.match(alternative);
                    if (p.isPresent()) {
                        stack = candidate;
                        plan = p.get();
                        break;
                    }
                }
            } catch (AddressSyntaxException e) {
                attempts.add(new ConnectException.Attempt(alternative.toString(), e.getMessage(), false, e));
                next(index + 1);
                return;
            }
            if (plan == null) {
                String reason = dialPlugins == null
                        ? "no stack for " + String.join("~", alternative.names()) + " (have " + stackShapes() + ")"
                        : dialPlugins.missingPlugins(alternative.names());
                attempts.add(new ConnectException.Attempt(alternative.toString(), reason, true, null));
                next(index + 1);
                return;
            }
            dial(index, alternative, stack, plan);
        }

        private void dial(int index, Address alternative, Stack stack, Stack.Plan plan) {
            StreamHandler stream = new StreamHandler();
            CompletableFuture<Channel> connecting = plan.endpoint().connect(
                    ch -> ch.pipeline().addLast(StreamHandler.NAME, stream));
            inFlight = connecting;
            if (result.isCancelled()) {
                connecting.cancel(false);
            }
            connecting.thenCompose(ch -> {
                channel = ch;
                if (result.isCancelled()) {
                    ch.close();
                    throw new CancellationException();
                }
                CompletableFuture<List<Layer>> layers = runTransforms(plan.targets().size(), i -> {
                    CompletableFuture<Layer> step = plan.targets().get(i).wrapClient(ch);
                    inFlight = step;
                    return step;
                });
                return layers.thenApply(done -> connection(ch, plan.endpoint().section(), done, true, stream));
            }).whenComplete((connection, error) -> {
                if (error == null) {
                    if (!result.complete(connection)) {
                        connection.close();
                    }
                    return;
                }
                Channel ch = channel;
                if (ch != null) {
                    ch.close();
                }
                channel = null;
                if (result.isDone()) {
                    return;
                }
                attempts.add(new ConnectException.Attempt(alternative.toString(), rootMessage(error), false,
                        unwrap(error)));
                LOG.debug("{} via {} failed: {}", alternative, stack.shape(), rootMessage(error));
                next(index + 1);
            });
        }
    }

    /** The servers of one {@link #listen}: prints the full address for a scope and closes everything. */
    public static final class Listening {
        private final List<Stack> stacks;
        private final List<org.multiserver.spi.Listener> listeners;
        private final Consumer<Listening> onClose;

        Listening(List<Stack> stacks, List<org.multiserver.spi.Listener> listeners, Consumer<Listening> onClose) {
            this.stacks = stacks;
            this.listeners = listeners;
            this.onClose = onClose;
        }

        /**
         * The address clients in {@code scope} can dial: every stack that serves the scope, with real ports, joined
         * by {@code ;}; empty when none does.
         */
        public Optional<MultiAddress> address(Scope scope) {
            List<Address> alternatives = new ArrayList<>();
            for (int i = 0; i < stacks.size(); i++) {
                Stack stack = stacks.get(i);
                List<Section> transforms = new ArrayList<>();
                boolean complete = true;
                for (Transform t : stack.transforms()) {
                    Optional<Section> s = t.stringify(scope);
                    if (s.isEmpty()) {
                        complete = false;
                        break;
                    }
                    transforms.add(s.get());
                }
                if (!complete) {
                    continue;
                }
                for (Section transport : listeners.get(i).addresses(scope)) {
                    List<Section> sections = new ArrayList<>();
                    sections.add(transport);
                    sections.addAll(transforms);
                    alternatives.add(new Address(sections));
                }
            }
            return alternatives.isEmpty() ? Optional.empty() : Optional.of(new MultiAddress(alternatives));
        }

        /** {@link #address(Scope)} as text, or an empty string when no stack serves the scope. */
        public String stringify(Scope scope) {
            return address(scope).map(MultiAddress::toString).orElse("");
        }

        /** Closes every server of this listen and the connections they accepted. */
        public CompletableFuture<Void> close() {
            onClose.accept(this);
            return CompletableFuture.allOf(listeners.stream().map(org.multiserver.spi.Listener::close)
                    .toArray(CompletableFuture[]::new));
        }
    }

    /** Where server-side failures go: a peer that failed a handshake never stops the server. */
    @FunctionalInterface
    public interface ServerErrorHandler {
        /**
         * @param peer  the peer's address as the transport saw it
         * @param stack the stack's shape, such as {@code net~shs}
         * @param error what went wrong
         */
        void onError(String peer, String stack, Throwable error);

        /** The default: one line at debug level (failed handshakes are a normal part of serving strangers). */
        ServerErrorHandler LOG_AT_DEBUG = (peer, stack, error) ->
                LOG.debug("{} from {} failed: {}", stack, peer, rootMessage(error));
    }

    public static final class Builder {
        private final List<Function<Context, Stack>> stackFactories = new ArrayList<>();
        private final List<PluginProvider> explicit = new ArrayList<>();
        private final Map<String, String> choices = new LinkedHashMap<>();
        private final Map<String, Object> options = new LinkedHashMap<>();
        private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        private Duration connectTimeout = PluginContext.DEFAULT_CONNECT_TIMEOUT;
        private Duration handshakeTimeout = PluginContext.DEFAULT_HANDSHAKE_TIMEOUT;
        private final Set<String> textOptions = new LinkedHashSet<>();
        private int threads = 0;
        private boolean preferNative = false;
        private ServerErrorHandler errorHandler = ServerErrorHandler.LOG_AT_DEBUG;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxHandshakes = DEFAULT_MAX_HANDSHAKES;
        private Identity identity;

        private Builder() {
        }

        /**
         * The most accepted connections open at once, across every stack; more are closed at once and reported
         * to the server error handler. Default {@value #DEFAULT_MAX_CONNECTIONS}.
         */
        public Builder maxConnections(int max) {
            this.maxConnections = positive(max, "maxConnections");
            return this;
        }

        /**
         * The most accepted connections still in their handshakes at once, so a flood of handshakes cannot take all
         * the CPU or memory; more are closed at once and reported. Default {@value #DEFAULT_MAX_HANDSHAKES}.
         */
        public Builder maxHandshakesInFlight(int max) {
            this.maxHandshakes = positive(max, "maxHandshakesInFlight");
            return this;
        }

        private static int positive(int value, String what) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be positive, got " + value);
            }
            return value;
        }

        /**
         * Adds a stack from a listen spec in the address language, with plugins found on the class path:
         * {@code net:0.0.0.0:8008~shs}, {@code ws://localhost:8989~shs}, or just {@code net~shs}. Each section's data
         * configures that plugin's server side.
         */
        public Builder listen(String spec) {
            return listen(spec, null);
        }

        /** Like {@link #listen(String)}, serving the given scopes. */
        public Builder listen(String spec, Set<Scope> scopes) {
            Address address = Address.parse(spec);
            Set<Scope> copy = scopes == null ? null : EnumSet.copyOf(scopes);
            stackFactories.add(ctx -> ctx.stackFromSpec(address, copy));
            return this;
        }

        /** Adds a stack from providers given in code; options and scopes come from this builder. */
        public Builder stack(TransportProvider transport, TransformProvider... transforms) {
            List<TransformProvider> list = List.of(transforms);
            stackFactories.add(ctx -> {
                PluginContext base = ctx.base(null, null);
                List<Transform> made = new ArrayList<>();
                for (TransformProvider t : list) {
                    made.add(t.create(base));
                }
                return new Stack(transport.create(base), made);
            });
            return this;
        }

        /** Makes a provider available without the class path; it wins over class-path providers of its names. */
        public Builder plugin(PluginProvider provider) {
            explicit.add(Objects.requireNonNull(provider));
            return this;
        }

        /** Settles a conflict: use the provider class {@code providerClass} for {@code sectionName}. */
        public Builder choosePlugin(String sectionName, String providerClass) {
            choices.put(sectionName, providerClass);
            return this;
        }

        /** Where to look for plugins; the context class loader by default. */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = Objects.requireNonNull(loader);
            return this;
        }

        public <T> Builder option(Option<T> option, T value) {
            options.put(option.name(), value);
            return this;
        }

        /**
         * An option known only by name, as text (from a command line); the plugin parses it. {@link #build} fails
         * when no plugin found declares an option of that name.
         */
        public Builder option(String name, String value) {
            options.put(name, value);
            textOptions.add(name);
            return this;
        }

        /**
         * Our long-term identity, shared by every stack whose transforms authenticate us ({@code shs}, {@code shs2}):
         * one server, one key. Default: a fresh one for this {@code MultiServer}. A transform's own key options
         * (such as {@code shs.keys}) still override it for that transform.
         */
        public Builder identity(Identity identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        /** Event loop threads; 0 (the default) lets Netty choose (twice the cores). */
        public Builder eventLoopThreads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Use epoll when available; NIO is the default. With epoll (Netty 4.2.18), a half-closable channel whose
         * reading is paused for backpressure sometimes closed itself when the peer ended its side, losing up to
         * ~70 KB of echoed data (epoll_ctl ENOENT; reproduced here in about one run in three, never with NIO).
         */
        public Builder preferNativeTransport(boolean preferNative) {
            this.preferNative = preferNative;
            return this;
        }

        public Builder onServerError(ServerErrorHandler handler) {
            this.errorHandler = Objects.requireNonNull(handler);
            return this;
        }

        /**
         * Loads plugins, creates the event loops and every stack.
         *
         * @throws PluginConflictException when two plugins claim one name
         * @throws AddressSyntaxException  when a listen spec names a protocol no plugin provides, or a plugin
         *                                 rejects its section
         */
        public MultiServer build() {
            PluginRegistry registry = PluginRegistry.load(classLoader, explicit, choices);
            requireKnown(textOptions, registry.optionNames());
            EventLoops loops = EventLoops.create(threads, preferNative);
            try {
                Context ctx = new Context(this, registry, loops, identity != null ? identity : Identity.generate());
                List<Stack> stacks = new ArrayList<>();
                for (Function<Context, Stack> factory : stackFactories) {
                    stacks.add(factory.apply(ctx));
                }
                return new MultiServer(loops, stacks, errorHandler, new Limits(maxConnections, maxHandshakes),
                        stacks.isEmpty() ? ctx : null);
            } catch (RuntimeException e) {
                loops.group().shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
        }
    }

    /** A misspelt option given as text would otherwise be ignored without a word. */
    private static void requireKnown(Set<String> given, SortedSet<String> known) {
        List<String> unknown = given.stream().filter(name -> !known.contains(name)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + ": no plugin found declares " + (unknown.size() > 1 ? "them" : "it")
                    + "; the options are " + String.join(", ", known));
        }
    }

    /** What a builder knows while it creates stacks. */
    private record Context(Builder builder, PluginRegistry registry, EventLoops loops, Identity identity) {

        PluginContext base(Section spec, Set<Scope> scopes) {
            PluginContext.Builder b = PluginContext.builder()
                    .eventLoopGroup(loops.group(), loops.socketChannelType(), loops.serverSocketChannelType())
                    .connectTimeout(builder.connectTimeout)
                    .handshakeTimeout(builder.handshakeTimeout)
                    .scopes(scopes)
                    .listenSpec(spec)
                    .identity(identity);
            builder.options.forEach(b::rawOption);
            return b.build();
        }

        Stack stackFromSpec(Address spec, Set<Scope> scopes) {
            Section first = spec.transport();
            TransportProvider transportProvider = registry.transport(first.name()).orElseThrow(() ->
                    first.syntaxError(-1, "no transport plugin for '" + first.name() + "' on the class path"));
            Transport transport = transportProvider.create(base(first, scopes));
            List<Transform> transforms = new ArrayList<>();
            for (Section section : spec.transforms()) {
                TransformProvider provider = registry.transform(section.name()).orElseThrow(() ->
                        section.syntaxError(-1, "no transform plugin for '" + section.name() + "' on the class path"));
                transforms.add(provider.create(base(section, scopes)));
            }
            return new Stack(transport, transforms);
        }

        /** A client stack of the shape {@code names} from the plugins found, or empty when one is missing. */
        Optional<Stack> stackForDialing(List<String> names) {
            Optional<TransportProvider> transport = registry.transport(names.get(0));
            List<Transform> transforms = new ArrayList<>();
            for (String name : names.subList(1, names.size())) {
                Optional<TransformProvider> provider = registry.transform(name);
                if (provider.isEmpty()) {
                    return Optional.empty();
                }
                transforms.add(provider.get().create(base(null, null)));
            }
            return transport.map(t -> new Stack(t.create(base(null, null)), transforms));
        }

        /** Why {@link #stackForDialing} found nothing, naming the missing plugins. */
        String missingPlugins(List<String> names) {
            List<String> missing = new ArrayList<>();
            if (registry.transport(names.get(0)).isEmpty()) {
                missing.add(names.get(0));
            }
            for (String name : names.subList(1, names.size())) {
                if (registry.transform(name).isEmpty()) {
                    missing.add(name);
                }
            }
            return missing.isEmpty() ? "the plugins of " + String.join("~", names) + " do not dial this address"
                    : "no plugin for " + String.join(", ", missing) + " on the class path";
        }
    }
}
