package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The kit's last handler, named {@link org.multiserver.spi.Pipelines#TAIL} like the platform's own, in place before
 * any transform runs: everything the layers below deliver lands here. It checks each byte against the pattern the
 * peer writes as it arrives (so 16 MiB need no buffer), counts them, and turns what the connection does (end of
 * input, close, errors, writability) into futures the rules wait on. Every buffer is released here.
 */
final class Tail extends ChannelInboundHandlerAdapter {
    private final String side;
    private final BytePattern expected;
    private final boolean echo;

    private long received;
    private AssertionError problem;
    private final List<Waiter> waiters = new ArrayList<>();
    private final CompletableFuture<Long> inputShutdown = new CompletableFuture<>();
    private final CompletableFuture<Void> inactive = new CompletableFuture<>();
    private final CompletableFuture<Throwable> raised = new CompletableFuture<>();
    private AssertionError mismatch;
    private boolean endedBeforeRaised;
    private volatile Runnable onWritable;

    /**
     * @param side     "client" or "server", for messages
     * @param expected what the peer writes; null to accept any bytes
     * @param echo     write every received buffer back (servers of the many-connections rules)
     */
    Tail(String side, BytePattern expected, boolean echo) {
        this.side = side;
        this.expected = expected;
        this.echo = echo;
    }

    private record Waiter(long bytes, CompletableFuture<Void> future) {
    }

    /** Completes once {@code bytes} bytes arrived intact; fails on a wrong byte, an error, or an early end. */
    synchronized CompletableFuture<Void> bytes(long bytes) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (problem != null) {
            future.completeExceptionally(problem);
        } else if (received >= bytes) {
            future.complete(null);
        } else if (inactive.isDone() || inputShutdown.isDone()) {
            future.completeExceptionally(endedEarly(bytes));
        } else {
            waiters.add(new Waiter(bytes, future));
        }
        return future;
    }

    synchronized long received() {
        return received;
    }

    /** The first thing that went wrong at this tail, or null. */
    synchronized AssertionError problem() {
        return problem;
    }

    /** Completes, with the byte count at that moment, on {@link ChannelInputShutdownEvent}; fails on close first. */
    CompletableFuture<Long> inputShutdown() {
        return inputShutdown;
    }

    /** Completes with the first error that reached this tail through {@code exceptionCaught}. */
    CompletableFuture<Throwable> raised() {
        return raised;
    }

    /** Whether a {@link ChannelInputShutdownEvent} (a clean end) arrived before the first error. */
    synchronized boolean endedBeforeRaised() {
        return endedBeforeRaised;
    }

    /** The first wrong byte (or non-buffer message) that arrived here, or null: what the peer did not write. */
    synchronized AssertionError mismatch() {
        return mismatch;
    }

    /** Completes when the channel becomes inactive. */
    CompletableFuture<Void> inactive() {
        return inactive;
    }

    /** Completes when the peer's end is seen: end of input or close, whichever comes first. */
    CompletableFuture<Void> peerEnded() {
        return CompletableFuture.anyOf(inputShutdown.exceptionally(e -> -1L), inactive).thenApply(x -> null);
    }

    /** Runs {@code action} once, on the event loop, at the next writability change. */
    void onWritabilityChange(Runnable action) {
        onWritable = action;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            misdelivered(new AssertionError(side + " tail received a " + msg.getClass().getName()
                    + ": a pipeline must deliver ByteBufs at its tail"));
            return;
        }
        boolean handedOn = false;
        try {
            long start;
            synchronized (this) {
                start = received;
            }
            if (expected != null) {
                int at = mismatch(buf, start);
                if (at >= 0) {
                    long position = start + at;
                    misdelivered(new AssertionError(String.format("%s tail: byte %d is 0x%02x but the peer wrote 0x%02x"
                                    + " there (%d bytes arrived intact before it): bytes were lost, repeated or"
                                    + " reordered on the way", side, position, buf.getByte(buf.readerIndex() + at),
                            expected.at(position), position)));
                    return;
                }
            }
            arrived(buf.readableBytes());
            if (echo) {
                handedOn = true;
                ctx.writeAndFlush(buf);
            }
        } finally {
            if (!handedOn) {
                buf.release();
            }
        }
    }

    private int mismatch(ByteBuf buf, long start) {
        long[] position = {start};
        int found = buf.forEachByte(b -> b == expected.at(position[0]++));
        return found < 0 ? -1 : found - buf.readerIndex();
    }

    private void arrived(int count) {
        List<Waiter> done = new ArrayList<>();
        synchronized (this) {
            received += count;
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (received >= w.bytes) {
                    done.add(w);
                    it.remove();
                }
            }
        }
        done.forEach(w -> w.future.complete(null));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            long at;
            synchronized (this) {
                at = received;
            }
            inputShutdown.complete(at);
            failWaiters();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Runnable action = onWritable;
        if (action != null) {
            onWritable = null;
            // A task of its own: the event often fires inside the writer's own flush, and a writer re-entered
            // there would see its state half-updated.
            ctx.executor().execute(action);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive.complete(null);
        inputShutdown.completeExceptionally(new AssertionError(side
                + " channel closed without a ChannelInputShutdownEvent first"));
        failWaiters();
        Runnable action = onWritable;
        if (action != null) {
            onWritable = null;
            ctx.executor().execute(action); // a writer waiting for writability must learn the channel is gone
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        synchronized (this) {
            if (!raised.isDone()) {
                endedBeforeRaised = inputShutdown.isDone() && !inputShutdown.isCompletedExceptionally();
            }
        }
        raised.complete(cause);
        AssertionError error = new AssertionError(side + " pipeline raised " + cause, cause);
        fail(error);
        ctx.close(); // as the platform's tail does: an exception that reaches the end ends the connection
    }

    private void misdelivered(AssertionError error) {
        synchronized (this) {
            if (mismatch == null) {
                mismatch = error;
            }
        }
        fail(error);
    }

    private void fail(AssertionError error) {
        List<Waiter> pending;
        synchronized (this) {
            if (problem == null) {
                problem = error;
            }
            pending = new ArrayList<>(waiters);
            waiters.clear();
        }
        pending.forEach(w -> w.future.completeExceptionally(error));
    }

    private void failWaiters() {
        List<Waiter> pending;
        synchronized (this) {
            pending = new ArrayList<>(waiters);
            waiters.clear();
        }
        pending.forEach(w -> w.future.completeExceptionally(endedEarly(w.bytes)));
    }

    private AssertionError endedEarly(long wanted) {
        synchronized (this) {
            if (problem != null) {
                return problem;
            }
            String how = inactive.isDone() ? "the channel closed" : "the input ended (ChannelInputShutdownEvent)";
            return new AssertionError(side + " tail: " + how + " after " + received + " of " + wanted + " bytes");
        }
    }
}
