package org.multiserver.spi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Holds what a client channel reads between {@code beforeFirstRead} and the moment its first transform was wrapped,
 * then hands it on in order, to the transform's handlers, and leaves the pipeline. The platform and the TCK dial
 * this way: {@link Transform.Target#wrapClient} runs on an established connection, once the connect's future
 * completed, which may be later than the first read or on another thread; without the gate a server that speaks
 * first could have its bytes reach the tail undecoded. Put it in from {@code beforeFirstRead}, before the tail;
 * wrap with {@link #openAfter}, or call {@link #open} in the event-loop task that wrapped. A transport with a handshake of its own
 * over another (ws's HTTP upgrade over net) holds the reads the same way until its handlers are in.
 */
public final class ReadGate extends ChannelInboundHandlerAdapter {
    public static final String NAME = "multiserver-gate";

    private final Queue<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean inactive;
    private boolean open;

    private record Event(Object value) {
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Runs {@code wrap} on {@code channel}'s event loop, then opens the gate in the same task: nothing held, not even
     * a close, can be lost with a pipeline torn down between the two. The future completes with what {@code wrap}
     * returned, or with what it threw.
     */
    public <T> CompletableFuture<T> openAfter(Channel channel, Supplier<T> wrap) {
        CompletableFuture<T> wrapped = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                T value = wrap.get();
                open();
                wrapped.complete(value);
            } catch (RuntimeException | AssertionError e) {
                wrapped.completeExceptionally(e);
            }
        };
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
        return wrapped;
    }

    /** Hands on what was held and leaves the pipeline; on the channel's event loop. */
    public void open() {
        if (open || ctx.isRemoved()) {
            return; // the channel closed meanwhile: what it held went with the pipeline
        }
        open = true;
        Object next;
        while ((next = held.poll()) != null) {
            if (next instanceof Event event) {
                ctx.fireUserEventTriggered(event.value());
            } else {
                ctx.fireChannelRead(next);
            }
        }
        ctx.fireChannelReadComplete();
        if (inactive) {
            ctx.fireChannelInactive();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (open) {
            ctx.fireChannelRead(msg);
        } else {
            held.add(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (open) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (open) {
            ctx.fireUserEventTriggered(evt);
        } else {
            held.add(new Event(evt));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (open) {
            ctx.fireChannelInactive();
        } else {
            inactive = true;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Object next;
        while ((next = held.poll()) != null) {
            ReferenceCountUtil.release(next instanceof Event event ? event.value() : next);
        }
    }
}
