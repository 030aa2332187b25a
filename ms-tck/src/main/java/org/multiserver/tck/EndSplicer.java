package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.multiserver.spi.EndOfOutput;

/**
 * Puts bytes behind a transform's end marker and decides how the peer's reads cut them, so rule F4_6 can compare
 * "end marker and the bytes behind it in one read" with "in two reads" deterministically over any transport. One
 * instance sits under the transform on each side, between the transport's handlers and the transform's, sharing a
 * {@link Plan}.
 *
 * <p>Sending side: once {@link #arm()}ed, it holds what the transform writes (its end marker, whatever it is); when
 * {@link EndOfOutput} comes down it records where the marker ends in the byte stream, writes the held bytes followed
 * by the plan's junk, and passes {@code EndOfOutput} on. Receiving side: bytes before the armed offset pass as they
 * come; from there it holds everything up to the junk's end and hands it on as one read, or as two cut exactly
 * where the transform's end marker ends.
 */
final class EndSplicer extends ChannelDuplexHandler {
    static final String NAME = "tck-end-splice";

    /** What both sides agree on; the sending side fills in the offsets before any byte they concern leaves. */
    static final class Plan {
        final boolean oneRead;
        final byte[] junk;
        /** Bytes the sender's transform had written when the splicer was armed; -1 before. */
        volatile long armedAt = -1;
        /** Where the transform's last output before EndOfOutput ends; -1 before it is known. */
        volatile long endAt = -1;

        Plan(boolean oneRead, byte[] junk) {
            this.oneRead = oneRead;
            this.junk = junk.clone();
        }
    }

    private final Plan plan;
    private final boolean sender;
    private ChannelHandlerContext ctx;
    // sending side
    private long written;
    private boolean armed;
    private boolean spliced;
    private CompositeByteBuf held;
    private final List<ChannelPromise> heldPromises = new ArrayList<>();
    // receiving side
    private long read;
    private CompositeByteBuf gathered;
    private boolean delivered;

    EndSplicer(Plan plan, boolean sender) {
        this.plan = plan;
        this.sender = sender;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Sending side: from now on the transform's output is held until its EndOfOutput. */
    CompletableFuture<Void> arm() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ctx.executor().execute(() -> {
            plan.armedAt = written;
            armed = true;
            done.complete(null);
        });
        return done;
    }

    // ---- sending side ----

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!sender || !armed || spliced) {
            if (msg instanceof ByteBuf buf) {
                written += buf.readableBytes();
            }
            ctx.write(msg, promise);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            if (held == null) {
                held = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            }
            held.addComponent(true, buf);
            heldPromises.add(promise);
            return;
        }
        if (msg == EndOfOutput.INSTANCE) {
            spliced = true;
            long end = written + (held == null ? 0 : held.readableBytes());
            plan.endAt = end; // published before the bytes it describes leave
            CompositeByteBuf out = held != null ? held : ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            held = null;
            out.addComponent(true, Unpooled.wrappedBuffer(plan.junk.clone()));
            written = end + plan.junk.length;
            List<ChannelPromise> waiting = new ArrayList<>(heldPromises);
            heldPromises.clear();
            ctx.write(out).addListener(f -> waiting.forEach(p -> {
                if (f.isSuccess()) {
                    p.trySuccess();
                } else {
                    p.tryFailure(f.cause());
                }
            }));
            ctx.write(msg, promise);
            ctx.flush();
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush(); // held bytes are not written yet, so a flush cannot send them
    }

    // ---- receiving side ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (sender || delivered || !(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        long start = plan.armedAt;
        if (start < 0 || read + buf.readableBytes() <= start) {
            read += buf.readableBytes();
            ctx.fireChannelRead(buf);
            return;
        }
        if (read < start) {
            int before = (int) (start - read);
            read += before;
            ctx.fireChannelRead(buf.readRetainedSlice(before));
        }
        if (gathered == null) {
            gathered = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        }
        read += buf.readableBytes();
        gathered.addComponent(true, buf);
        long end = plan.endAt;
        if (end >= 0 && read >= end + plan.junk.length) {
            deliver(ctx);
        }
    }

    /** Hands on what was gathered: as one read, or cut where the transform's own output ended. */
    private void deliver(ChannelHandlerContext ctx) {
        delivered = true;
        CompositeByteBuf all = gathered;
        gathered = null;
        if (all == null) {
            return;
        }
        if (plan.oneRead || plan.endAt < 0) {
            ctx.fireChannelRead(all);
            ctx.fireChannelReadComplete();
            return;
        }
        int marker = (int) Math.min(all.readableBytes(), Math.max(0, plan.endAt - plan.armedAt));
        if (marker > 0) {
            ctx.fireChannelRead(all.readRetainedSlice(marker));
            ctx.fireChannelReadComplete();
        }
        if (all.isReadable()) {
            ctx.fireChannelRead(all);
            ctx.fireChannelReadComplete();
        } else {
            all.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!delivered && gathered != null) {
            deliver(ctx); // keep order: the bytes first, then the end of input
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!delivered && gathered != null) {
            deliver(ctx);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (gathered != null) {
            gathered.release();
            gathered = null;
        }
        if (held != null) {
            ReferenceCountUtil.release(held);
            held = null;
            ClosedChannelException closed = new ClosedChannelException();
            heldPromises.forEach(p -> p.tryFailure(closed));
            heldPromises.clear();
        }
    }
}
