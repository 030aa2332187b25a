package org.multiserver.tck;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.multiserver.address.Section;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.Layer;
import org.multiserver.spi.ReadGate;
import org.multiserver.spi.Listener;
import org.multiserver.spi.Option;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;
import org.multiserver.tck.reference.LocalTransportProvider;

/**
 * What every rule stands on: the event loop group a verification class owns, plugin contexts built on it, the
 * kit's timeout, bounded waits that fail with a sentence instead of hanging, and the clean-up of everything a rule
 * opened. It composes transport and transform itself, the way the platform does, so the kit needs no ms-core.
 */
final class Harness {
    static final String TIMEOUT_ENV = "MULTISERVER_TCK_TIMEOUT_SECONDS";
    static final String TIMEOUT_PROPERTY = "multiserver.tck.timeout.seconds";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int THREADS = 4;

    final Duration timeout;
    /** The group every plugin context carries: NIO, for socket channels. */
    final TrackingEventLoopGroup group;
    /**
     * The group for the reference transport's local channels, which Netty 4.2 cannot register on NIO loops. It
     * rides along in every context as an option; plugins ignore options they do not know.
     */
    final TrackingEventLoopGroup localGroup;
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    Harness(Duration timeout) {
        this.timeout = timeout;
        this.group = new TrackingEventLoopGroup(THREADS, "multiserver-tck", NioIoHandler.newFactory());
        this.localGroup = new TrackingEventLoopGroup(THREADS, "multiserver-tck-local", LocalIoHandler.newFactory());
    }

    /**
     * The kit's timeout: system property, else environment variable, else 10 seconds. A plain number is seconds;
     * {@link Option#duration} also reads {@code 500ms}, {@code 2m} or {@code PT30S}, and refuses zero.
     */
    static Duration configuredTimeout() {
        String source = TIMEOUT_PROPERTY;
        String text = System.getProperty(TIMEOUT_PROPERTY);
        if (text == null || text.isBlank()) {
            source = TIMEOUT_ENV;
            text = System.getenv(TIMEOUT_ENV);
        }
        if (text == null || text.isBlank()) {
            return DEFAULT_TIMEOUT;
        }
        return Option.duration(source, DEFAULT_TIMEOUT).parse(text);
    }

    /**
     * A context on the kit's group, serving the device scope only (loopback), with plugin timeouts at half the kit's
     * so that a plugin's own deadline always fires before the kit stops waiting for it.
     */
    PluginContext.Builder context() {
        return PluginContext.builder()
                .eventLoopGroup(group, NioSocketChannel.class, NioServerSocketChannel.class)
                .connectTimeout(pluginTimeout())
                .handshakeTimeout(pluginTimeout())
                .scopes(Set.of(Scope.DEVICE))
                .option(LocalTransportProvider.EVENT_LOOPS, localGroup);
    }

    Duration pluginTimeout() {
        return timeout.dividedBy(2);
    }

    /** The handshake deadline given to instances in the deadline rules: short, so a failing rule fails fast. */
    Duration shortDeadline() {
        Duration fifth = timeout.dividedBy(5);
        return fifth.compareTo(Duration.ofSeconds(1)) < 0 ? fifth : Duration.ofSeconds(1);
    }

    // ---- composing connections ----

    /** Listens on {@code transport}; each accepted channel is prepared by {@code setup} and wrapped by {@code wrap}. */
    Server listen(Transport transport, Setup setup, Function<Channel, CompletableFuture<Layer>> wrap) {
        Server server = new Server();
        CompletableFuture<Listener> bound;
        try {
            bound = transport.listen((channel, remote) -> {
                own(channel);
                try {
                    server.arrived(prepare(channel, remote, setup, wrap));
                } catch (RuntimeException | AssertionError e) {
                    channel.close();
                    server.failed(e);
                }
            });
        } catch (RuntimeException e) {
            throw new AssertionError("Transport.listen threw instead of returning a future: " + e, e);
        }
        Listener listener = await(bound, "Transport.listen");
        listeners.add(listener);
        server.listener(listener);
        return server;
    }

    /**
     * Dials {@code endpoint} the way the platform does: through {@link Transport.Endpoint#connect(Consumer)}, whose
     * callback puts the kit's handlers and tail in place, on the event loop, before the channel's first read; then,
     * once the connect completed, {@code wrap} (null: raw), on the event loop. A transport that calls the callback
     * late loses what a server that speaks first sent (rule T3_3); one that never calls it fails the connect here.
     *
     * <p>For a wrapped connection a {@link ReadGate} (the platform's too) holds what arrives between the callback and
     * the wrap, which runs in a task of the event loop after the connect completed.
     */
    CompletableFuture<Peer> connect(Transport.Endpoint endpoint, Setup setup,
                                    Function<Channel, CompletableFuture<Layer>> wrap) {
        Section section = endpoint.section();
        AtomicReference<Installed> installed = new AtomicReference<>();
        CompletableFuture<Channel> connecting;
        try {
            connecting = endpoint.connect(channel -> {
                own(channel);
                if (setup.installDelayNanos > 0) {
                    LockSupport.parkNanos(setup.installDelayNanos); // a slow install: the window a late call opens
                }
                installed.set(install(channel, "client", setup, wrap != null));
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new AssertionError("Endpoint.connect threw instead of"
                    + " returning a future: " + e, e));
        }
        return connecting.thenCompose(channel -> {
            Installed parts = installed.get();
            if (parts == null) {
                own(channel);
                throw new AssertionError("Endpoint.connect(beforeFirstRead) to " + section + " completed without"
                        + " calling beforeFirstRead: the platform's tail would never be added");
            }
            // Raw: nothing to wrap. Wrapped: in one event-loop task with the gate's opening, as the platform does.
            return parts.gate == null ? CompletableFuture.completedFuture(wrapUp(parts, section, setup, wrap))
                    : parts.gate.openAfter(channel, () -> wrapUp(parts, section, setup, wrap));
        });
    }

    /**
     * Runs {@code action} while every event loop of both groups waits on a latch, so no I/O completes meanwhile.
     * The action must not wait for an event loop itself. Each loop waits at most the kit's timeout.
     */
    <T> T whileLoopsHeld(Supplier<T> action) {
        List<EventExecutor> loops = new ArrayList<>();
        group.forEach(loops::add);
        localGroup.forEach(loops::add);
        CountDownLatch held = new CountDownLatch(loops.size());
        CountDownLatch release = new CountDownLatch(1);
        for (EventExecutor loop : loops) {
            loop.execute(() -> {
                held.countDown();
                try {
                    release.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            if (!held.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the event loops stayed busy for " + seconds(timeout)
                        + ": a plugin blocks one" + hint());
            }
            return action.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while pausing the event loops", e);
        } finally {
            release.countDown();
        }
    }

    /** The server side: prepared and wrapped in the acceptor, before the channel's first read. */
    private Peer prepare(Channel channel, Section section, Setup setup,
                         Function<Channel, CompletableFuture<Layer>> wrap) {
        return wrapUp(install(channel, "server", setup, false), section, setup, wrap);
    }

    /** The kit's handlers of one end, as {@link #install} put them in place, before the transform runs. */
    private record Installed(Channel channel, String side, Tail tail, Cutter cutter, EndSplicer splicer,
                             Wiretap wiretap, ReadGate gate, List<String> before) {
    }

    /**
     * What the platform does to every fresh connection first: its tail, named {@link Pipelines#TAIL} so that plugins
     * add their handlers before it, with the kit's own test handlers under it.
     */
    private Installed install(Channel channel, String side, Setup setup, boolean gated) {
        if (!setup.autoRead) {
            channel.config().setAutoRead(false);
        }
        ReadGate gate = null;
        if (gated) {
            gate = new ReadGate();
            channel.pipeline().addLast(ReadGate.NAME, gate);
        }
        if (setup.fragment) {
            channel.pipeline().addLast(Fragmenter.NAME, new Fragmenter());
        }
        if (setup.coalesce) {
            channel.pipeline().addLast(Coalescer.NAME, new Coalescer());
        }
        Cutter cutter = null;
        if (setup.cut) {
            cutter = new Cutter();
            channel.pipeline().addLast(Cutter.NAME, cutter);
        }
        EndSplicer splicer = null;
        if (setup.splice != null) {
            splicer = new EndSplicer(setup.splice, side.equals("client"));
            channel.pipeline().addLast(EndSplicer.NAME, splicer);
        }
        Wiretap wiretap = null;
        if (setup.wiretap != null) {
            wiretap = new Wiretap(setup.wiretap);
            channel.pipeline().addLast(Wiretap.NAME, wiretap);
        }
        Tail tail = new Tail(side, setup.expect, setup.echo);
        channel.pipeline().addLast(Pipelines.TAIL, tail);
        return new Installed(channel, side, tail, cutter, splicer, wiretap, gate, names(channel));
    }

    /** Then the transform, if any, and what the platform's callback would do as it completes. */
    private Peer wrapUp(Installed parts, Section section, Setup setup,
                        Function<Channel, CompletableFuture<Layer>> wrap) {
        Channel channel = parts.channel;
        Tail tail = parts.tail;
        CompletableFuture<Layer> layer;
        if (wrap == null) {
            layer = CompletableFuture.completedFuture(null);
        } else {
            try {
                layer = wrap.apply(channel);
                if (layer == null) {
                    layer = CompletableFuture.failedFuture(new AssertionError("the wrap returned null"));
                }
            } catch (RuntimeException e) {
                layer = CompletableFuture.failedFuture(new AssertionError("the wrap threw instead of failing its"
                        + " future: " + e, e));
            }
        }
        // The callback the platform would run: whatever happens in it happens right as the wrap completes. The
        // peer's future completes after it, so a rule that waited for the wrap also sees what the callback did.
        CompletableFuture<Layer> observed = new CompletableFuture<>();
        Peer peer = new Peer(channel, tail, section, parts.before, observed);
        peer.cutter = parts.cutter;
        peer.splicer = parts.splicer;
        peer.wiretap = parts.wiretap;
        layer.whenComplete((done, error) -> {
            if (error != null) {
                observed.completeExceptionally(error);
                return;
            }
            peer.namesWhenWrapped = names(channel);
            if (setup.writeOnWrap != null) {
                peer.wroteOnWrap = PatternWriter.write(channel, tail, setup.writeOnWrap, 0, setup.writeOnWrapBytes,
                        false);
            }
            observed.complete(done);
        });
        return peer;
    }

    /**
     * Handler names in pipeline order, without Netty's own head and tail, without channel initializers (a
     * transport that hands a channel over from {@code initChannel}, as Bootstrap-based ones do, still has its
     * initializer in the pipeline, which removes itself right after: that is nobody's finding) and without the
     * kit's {@link ReadGate}, which leaves once the wrap has run.
     */
    static List<String> names(Channel channel) {
        List<String> names = new ArrayList<>();
        for (var entry : channel.pipeline().toMap().entrySet()) {
            if (!(entry.getValue() instanceof ChannelInitializer<?>) && !(entry.getValue() instanceof ReadGate)) {
                names.add(entry.getKey());
            }
        }
        return names;
    }

    // ---- resources ----

    void own(Channel channel) {
        channels.add(channel);
    }

    /** Closes what the rule left open: listeners first, then every channel, waiting (bounded) for each. */
    void closeAll() {
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (Listener l : listeners) {
            try {
                closing.add(l.close());
            } catch (RuntimeException e) {
                // the rule that checks close reports this; clean-up goes on
            }
        }
        for (Channel ch : channels) {
            closing.add(ChannelFutures.toCompletable(ch.close()));
        }
        listeners.clear();
        channels.clear();
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // best effort: a listener that cannot close is a finding of its own rule, not of the next one
        }
    }

    void shutdown() {
        var nio = group.shutdownGracefully(0, timeout.toSeconds(), TimeUnit.SECONDS);
        var local = localGroup.shutdownGracefully(0, timeout.toSeconds(), TimeUnit.SECONDS);
        nio.awaitUninterruptibly(timeout.toMillis() * 2);
        local.awaitUninterruptibly(timeout.toMillis() * 2);
    }

    /** Starts noting client channels registered on either group; see {@link TrackingEventLoopGroup}. */
    void startTracking() {
        group.startTracking();
        localGroup.startTracking();
    }

    List<Channel> stopTracking() {
        List<Channel> all = new ArrayList<>(group.stopTracking());
        all.addAll(localGroup.stopTracking());
        return all;
    }

    // ---- waiting ----

    /** The value of {@code future}, or an AssertionError saying what did not happen in time, or how it failed. */
    <T> T await(CompletableFuture<T> future, String what) {
        return await(future, timeout, what);
    }

    <T> T await(CompletableFuture<T> future, Duration within, String what) {
        try {
            return future.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": did not happen within " + seconds(within) + hint());
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof AssertionError assertion) {
                throw new AssertionError(what + ": " + assertion.getMessage(), assertion);
            }
            throw new AssertionError(what + ": failed with " + cause, cause);
        } catch (CancellationException e) {
            throw new AssertionError(what + ": was cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
    }

    /** The error {@code future} fails with within {@code within}; an AssertionError if it succeeds or hangs. */
    Throwable awaitFailure(CompletableFuture<?> future, Duration within, String what) {
        Object value;
        try {
            value = future.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": neither failed nor completed within " + seconds(within) + hint());
        } catch (ExecutionException e) {
            return unwrap(e);
        } catch (CancellationException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
        if (value instanceof Channel ch) {
            own(ch);
        }
        throw new AssertionError(what + ": should have failed, but completed with " + value);
    }

    /**
     * Waits until {@code tail} holds {@code bytes} intact bytes. The deadline is about progress, not total time: it
     * fails only after a whole timeout in which not one byte arrived, so 16 MiB on a slow machine is not a failure
     * but a stall is.
     */
    void awaitBytes(Tail tail, long bytes, String what) {
        CompletableFuture<Void> done = tail.bytes(bytes);
        long seen = tail.received();
        while (true) {
            try {
                done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                long now = tail.received();
                if (now == seen) {
                    throw new AssertionError(what + ": stalled at " + now + " of " + bytes + " bytes, nothing arrived"
                            + " for " + seconds(timeout) + hint());
                }
                seen = now;
            } catch (ExecutionException e) {
                Throwable cause = unwrap(e);
                throw new AssertionError(what + ": " + cause.getMessage(), cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted", e);
            }
        }
    }

    void awaitClosed(Channel channel, String what) {
        await(ChannelFutures.toCompletable(channel.closeFuture()), what + " to be closed");
    }

    /** Runs {@code task} on the channel's event loop and returns its result. */
    <T> T onLoop(Channel channel, Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            try {
                result.complete(task.call());
            } catch (Exception | AssertionError e) {
                result.completeExceptionally(e);
            }
        });
        return await(result, "a task on the event loop");
    }

    static Throwable unwrap(Throwable error) {
        while ((error instanceof ExecutionException || error instanceof CompletionException)
                && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String hint() {
        return " (the kit's timeout comes from -D" + TIMEOUT_PROPERTY + " or " + TIMEOUT_ENV + ")";
    }
}
