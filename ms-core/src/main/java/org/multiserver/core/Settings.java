package org.multiserver.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.multiserver.address.Address;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.spi.Identity;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.PluginProvider;
import org.multiserver.spi.Scope;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.TransportProvider;

/**
 * The body of {@link MultiServer.Builder}, kept out of MultiServer.java so that file reads as the API it is. Its
 * public methods are the builder's (as {@code StringBuilder}'s come from the package-private
 * {@code AbstractStringBuilder}); the only subclass is {@link MultiServer.Builder}.
 */
abstract sealed class Settings permits MultiServer.Builder {
    private final List<Function<StackMaker, Stack>> stackFactories = new ArrayList<>();
    private final List<PluginProvider> explicit = new ArrayList<>();
    private final Map<String, String> choices = new LinkedHashMap<>();
    final Map<String, Object> options = new LinkedHashMap<>();
    private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
    Duration connectTimeout = PluginContext.DEFAULT_CONNECT_TIMEOUT;
    Duration handshakeTimeout = PluginContext.DEFAULT_HANDSHAKE_TIMEOUT;
    private final Set<String> textOptions = new LinkedHashSet<>();
    private int threads = 0;
    private boolean preferNative = false;
    private boolean handlersOnEventLoop = false;
    private MultiServer.ServerErrorHandler errorHandler = MultiServer.ServerErrorHandler.LOG_AT_DEBUG;
    private int maxConnections = MultiServer.DEFAULT_MAX_CONNECTIONS;
    private int maxHandshakes = MultiServer.DEFAULT_MAX_HANDSHAKES;
    private Identity identity;

    Settings() {
    }

    private MultiServer.Builder self() {
        return (MultiServer.Builder) this;
    }

    /**
     * The most accepted connections open at once, across every stack; more are closed at once and reported
     * to the server error handler. Default {@value MultiServer#DEFAULT_MAX_CONNECTIONS}.
     */
    public MultiServer.Builder maxConnections(int max) {
        this.maxConnections = positive(max, "maxConnections");
        return self();
    }

    /**
     * The most accepted connections still in their handshakes at once, so a flood of handshakes cannot take all
     * the CPU or memory; more are closed at once and reported. Default {@value MultiServer#DEFAULT_MAX_HANDSHAKES}.
     */
    public MultiServer.Builder maxHandshakesInFlight(int max) {
        this.maxHandshakes = positive(max, "maxHandshakesInFlight");
        return self();
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
    public MultiServer.Builder listen(String spec) {
        return listen(spec, null);
    }

    /** Like {@code listen(spec)}, serving the given scopes. */
    public MultiServer.Builder listen(String spec, Set<Scope> scopes) {
        Address address = Address.parse(spec);
        Set<Scope> copy = scopes == null ? null : EnumSet.copyOf(scopes);
        stackFactories.add(maker -> maker.stackFromSpec(address, copy));
        return self();
    }

    /** Adds a stack from providers given in code; options and scopes come from this builder. */
    public MultiServer.Builder stack(TransportProvider transport, TransformProvider... transforms) {
        List<TransformProvider> list = List.of(transforms);
        stackFactories.add(maker -> maker.stackFromProviders(transport, list));
        return self();
    }

    /** Makes a provider available without the class path; it wins over class-path providers of its names. */
    public MultiServer.Builder plugin(PluginProvider provider) {
        explicit.add(Objects.requireNonNull(provider));
        return self();
    }

    /** Settles a conflict: use the provider class {@code providerClass} for {@code sectionName}. */
    public MultiServer.Builder choosePlugin(String sectionName, String providerClass) {
        choices.put(sectionName, providerClass);
        return self();
    }

    /** Where to look for plugins; the context class loader by default. */
    public MultiServer.Builder classLoader(ClassLoader loader) {
        this.classLoader = Objects.requireNonNull(loader);
        return self();
    }

    public <T> MultiServer.Builder option(Option<T> option, T value) {
        options.put(option.name(), value);
        return self();
    }

    /**
     * An option known only by name, as text (from a command line); the plugin parses it. {@code build()} fails
     * when no plugin found declares an option of that name.
     */
    public MultiServer.Builder option(String name, String value) {
        options.put(name, value);
        textOptions.add(name);
        return self();
    }

    /**
     * Our long-term identity, shared by every stack whose transforms authenticate us ({@code shs}, {@code shs2}):
     * one server, one key. Default: a fresh one for this {@code MultiServer}. A transform's own key options
     * (such as {@code shs.keys}) still override it for that transform.
     */
    public MultiServer.Builder identity(Identity identity) {
        this.identity = Objects.requireNonNull(identity, "identity");
        return self();
    }

    public MultiServer.Builder connectTimeout(Duration timeout) {
        this.connectTimeout = timeout;
        return self();
    }

    public MultiServer.Builder handshakeTimeout(Duration timeout) {
        this.handshakeTimeout = timeout;
        return self();
    }

    /**
     * Event loop threads; 0 (the default) means one per core, or Netty's {@code io.netty.eventLoopThreads} property
     * when set. Netty's own default is two per core, which costs CPU here: see docs/PERFORMANCE.md.
     */
    public MultiServer.Builder eventLoopThreads(int threads) {
        this.threads = threads;
        return self();
    }

    /**
     * Use epoll when available; NIO is the default. With epoll (Netty 4.2.18), a half-closable channel whose
     * reading is paused for backpressure sometimes closed itself when the peer ended its side, losing up to
     * ~70 KB of echoed data (epoll_ctl ENOENT; reproduced here in about one run in three, never with NIO).
     */
    public MultiServer.Builder preferNativeTransport(boolean preferNative) {
        this.preferNative = preferNative;
        return self();
    }

    /**
     * Calls the {@link MultiServer#listen} and {@link MultiServer#serve} handler on the connection's event loop
     * instead of a thread of its own. For handlers that never block, such as one that
     * {@link Connection#attach attaches} Netty handlers and returns: it saves two thread wake-ups per connection
     * (to the handler thread and back to the loop): a quarter of a plain TCP connection's server CPU with a JS client
     * on 2 cores (docs/PERFORMANCE.md). A handler that blocks there stalls every connection of its loop. Off by
     * default.
     */
    public MultiServer.Builder handlersOnEventLoop(boolean onEventLoop) {
        this.handlersOnEventLoop = onEventLoop;
        return self();
    }

    public MultiServer.Builder onServerError(MultiServer.ServerErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler);
        return self();
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
            StackMaker maker = new StackMaker(this, registry, loops,
                    identity != null ? identity : Identity.generate());
            List<Stack> stacks = new ArrayList<>();
            for (Function<StackMaker, Stack> factory : stackFactories) {
                stacks.add(factory.apply(maker));
            }
            return new MultiServer(loops, stacks, new Admission(maxConnections, maxHandshakes, handlersOnEventLoop,
                            errorHandler),
                    stacks.isEmpty() ? maker : null);
        } catch (RuntimeException e) {
            loops.group().shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
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
}
