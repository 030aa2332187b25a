package org.multiserver.core;

import io.netty.channel.Channel;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;

/**
 * The server side of every stack: admits an accepted channel within the limits, runs the stack's transforms on it,
 * and hands the connection to the handler on a thread of its own (or on its event loop, when the handlers are known
 * not to block). Failures go to the server error handler.
 */
final class Admission {
    private final int maxConnections;
    private final int maxHandshakes;
    private final boolean handlersOnEventLoop;
    private final MultiServer.ServerErrorHandler errorHandler;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger handshaking = new AtomicInteger();
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "multiserver-handler");
        t.setDaemon(true);
        return t;
    });

    Admission(int maxConnections, int maxHandshakes, boolean handlersOnEventLoop,
              MultiServer.ServerErrorHandler errorHandler) {
        this.maxConnections = maxConnections;
        this.maxHandshakes = maxHandshakes;
        this.handlersOnEventLoop = handlersOnEventLoop;
        this.errorHandler = errorHandler;
    }

    /** Accepted connections open now, handshaking or established. */
    int openConnections() {
        return open.get();
    }

    void accept(Stack stack, Channel channel, Section remote, ConnectionHandler handler) {
        // Count first, then check, so accepts on several event loops at once cannot overshoot a limit.
        boolean tooMany = open.incrementAndGet() > maxConnections;
        boolean tooBusy = handshaking.incrementAndGet() > maxHandshakes;
        if (tooMany || tooBusy) {
            open.decrementAndGet();
            handshaking.decrementAndGet();
            channel.close();
            errorHandler.onError(remote.toString(), stack.shape(), tooMany
                    ? new RefusedException(remote.toString(), RefusedException.Limit.CONNECTIONS, maxConnections)
                    : new RefusedException(remote.toString(), RefusedException.Limit.HANDSHAKES, maxHandshakes));
            return;
        }
        // The handshake slot is freed once, by the transforms' outcome or the channel's close, whichever comes first:
        // a transform that never completes its future must not hold a slot for ever.
        AtomicBoolean holdsSlot = new AtomicBoolean(true);
        Runnable freeSlot = () -> {
            if (holdsSlot.compareAndSet(true, false)) {
                handshaking.decrementAndGet();
            }
        };
        channel.closeFuture().addListener(f -> {
            open.decrementAndGet();
            freeSlot.run();
        });
        StreamHandler stream = new StreamHandler(
                violation -> errorHandler.onError(remote.toString(), stack.shape(), violation));
        channel.pipeline().addLast(StreamHandler.NAME, stream);
        CompletableFuture<List<Layer>> layers = Transforms.run(stack.transforms().size(),
                i -> stack.transforms().get(i).wrapServer(channel));
        layers.whenComplete((done, error) -> {
            freeSlot.run();
            if (error != null) {
                channel.close();
                errorHandler.onError(remote.toString(), stack.shape(), Failures.unwrap(error));
                return;
            }
            Connection connection = Transforms.connection(channel, remote, done, false, stream);
            Runnable handle = () -> {
                try {
                    handler.handle(connection);
                } catch (IOException | RuntimeException e) {
                    connection.close();
                    errorHandler.onError(remote.toString(), stack.shape(), e);
                }
            };
            // A task of its own even on the loop: the transforms' outcome completes inside a pipeline event.
            (handlersOnEventLoop ? channel.eventLoop() : handlers).execute(handle);
        });
    }

    /** Stops the handler threads; called once the servers and event loops are closed. */
    void close() {
        handlers.shutdownNow();
    }
}
