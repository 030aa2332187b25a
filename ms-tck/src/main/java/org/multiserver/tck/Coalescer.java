package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes "bytes that arrive together with the last handshake message" happen every time rather than by luck.
 * Going out, it gathers the buffers written during one event loop task and sends them as one buffer at the end of
 * that task: a handshake's last message and the bytes an application writes in the callback that sees the
 * handshake complete leave as one. Coming in, it merges the buffers of one read into one. A transform under test
 * then finds application bytes behind its last handshake message in a single buffer, which is where decoders drop
 * them. Sits between the transport's handlers and the transform's.
 */
final class Coalescer extends ChannelDuplexHandler {
    static final String NAME = "tck-coalesce";

    private CompositeByteBuf batch;
    private CompositeByteBuf outgoing;
    private final List<ChannelPromise> promises = new ArrayList<>();
    private boolean flushScheduled;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            if (batch == null) {
                batch = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            }
            batch.addComponent(true, buf);
            return;
        }
        passBatch(ctx);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        passBatch(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        passBatch(ctx); // keep order: bytes first, then the end of input
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        passBatch(ctx);
        ctx.fireChannelInactive();
    }

    private void passBatch(ChannelHandlerContext ctx) {
        if (batch != null) {
            ByteBuf merged = batch;
            batch = null;
            ctx.fireChannelRead(merged);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            writeGathered(ctx); // keep order: bytes first, then whatever this is (EndOfOutput)
            ctx.write(msg, promise);
            return;
        }
        if (outgoing == null) {
            outgoing = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        }
        outgoing.addComponent(true, buf);
        promises.add(promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                writeGathered(ctx);
                ctx.flush();
            });
        }
    }

    private void writeGathered(ChannelHandlerContext ctx) {
        if (outgoing == null) {
            return;
        }
        ByteBuf gathered = outgoing;
        List<ChannelPromise> waiting = new ArrayList<>(promises);
        outgoing = null;
        promises.clear();
        ctx.write(gathered).addListener(f -> {
            for (ChannelPromise p : waiting) {
                if (f.isSuccess()) {
                    p.trySuccess();
                } else {
                    p.tryFailure(f.cause());
                }
            }
        });
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        dropGathered();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (batch != null) {
            batch.release();
            batch = null;
        }
        dropGathered();
    }

    private void dropGathered() {
        if (outgoing != null) {
            ReferenceCountUtil.release(outgoing);
            outgoing = null;
            ClosedChannelException closed = new ClosedChannelException();
            promises.forEach(p -> p.tryFailure(closed));
            promises.clear();
        }
    }
}
