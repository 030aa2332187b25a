package org.multiserver.core;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.multiserver.address.Address;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.MultiAddress;
import org.multiserver.spi.Layer;
import org.multiserver.spi.ReadGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of a MultiServer: dials the alternatives of an address in order, falling through on failure, and
 * aborts the attempt in flight when the caller cancels.
 */
final class Dialer {
    private static final Logger LOG = LoggerFactory.getLogger(MultiServer.class);

    private final List<Stack> stacks;
    /** For a MultiServer built without stacks: the plugins it makes dialling stacks from, one per shape. */
    private final StackMaker plugins;
    private final Map<String, Optional<Stack>> pluginStacks = new ConcurrentHashMap<>();
    private final BooleanSupplier closed;

    Dialer(List<Stack> stacks, StackMaker plugins, BooleanSupplier closed) {
        this.stacks = stacks;
        this.plugins = plugins;
        this.closed = closed;
    }

    CompletableFuture<Connection> connect(MultiAddress address) {
        Dial dial = new Dial(address);
        dial.next(0);
        return dial.result;
    }

    /** The stacks that may dial {@code alternative}: ours, or for a pure client the one its plugins make. */
    private List<Stack> candidates(Address alternative) {
        if (plugins == null) {
            return stacks;
        }
        return pluginStacks.computeIfAbsent(String.join("~", alternative.names()),
                shape -> plugins.stackForDialing(alternative.names())).map(List::of).orElse(List.of());
    }

    /** One connect: walks the alternatives, keeping what was tried. */
    private final class Dial {
        final MultiAddress address;
        final CompletableFuture<Connection> result = new CompletableFuture<>();
        final List<DialException.Attempt> attempts = new ArrayList<>();
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
            if (closed.getAsBoolean()) {
                result.completeExceptionally(new IllegalStateException("MultiServer is closed"));
                return;
            }
            if (index == address.alternatives().size()) {
                result.completeExceptionally(new DialException(address.toString(), attempts));
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
                attempts.add(new DialException.Attempt(alternative.toString(), e.getMessage(), false, e));
                next(index + 1);
                return;
            }
            if (plan == null) {
                String reason = plugins == null
                        ? "no stack for " + String.join("~", alternative.names()) + " (have "
                                + stacks.stream().map(Stack::shape).toList() + ")"
                        : plugins.missingPlugins(alternative.names());
                attempts.add(new DialException.Attempt(alternative.toString(), reason, true, null));
                next(index + 1);
                return;
            }
            dial(index, alternative, stack, plan);
        }

        private void dial(int index, Address alternative, Stack stack, Stack.Plan plan) {
            StreamHandler stream = new StreamHandler(
                    violation -> LOG.debug("{} via {}: {}", alternative, stack.shape(), violation.getMessage()));
            // Holds what a server that speaks first sent until the first transform is in place: the future below
            // may complete after the first read, or on this thread.
            ReadGate gate = plan.targets().isEmpty() ? null : new ReadGate();
            CompletableFuture<Channel> connecting = plan.endpoint().connect(ch -> {
                if (gate != null) {
                    ch.pipeline().addLast(ReadGate.NAME, gate);
                }
                ch.pipeline().addLast(StreamHandler.NAME, stream);
            });
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
                // The first transform's handlers are in before the gate opens; later ones get bytes as each completes.
                CompletableFuture<List<Layer>> layers = gate == null ? CompletableFuture.completedFuture(List.of())
                        : gate.openAfter(ch, () -> Transforms.run(plan.targets().size(),
                                i -> plan.targets().get(i).wrapClient(ch))).thenCompose(Function.identity());
                inFlight = layers;
                return layers.thenApply(done -> Transforms.connection(ch, plan.endpoint().section(), done, true,
                        stream));
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
                attempts.add(new DialException.Attempt(alternative.toString(), Failures.message(error), false,
                        Failures.unwrap(error)));
                LOG.debug("{} via {} failed: {}", alternative, stack.shape(), Failures.message(error));
                next(index + 1);
            });
        }
    }
}
