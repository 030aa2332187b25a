package org.multiserver.shs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import org.multiserver.spi.EndOfOutput;

/**
 * Turns the application's {@link ByteBuf}s into box-stream frames (larger writes are split at 4096 bytes), and
 * {@link EndOfOutput} into the goodbye header followed by the {@link EndOfOutput} itself, so the transport below
 * can half-close. Anything else is refused: passing an unknown message through would put plaintext on the wire.
 *
 * <p>{@code close()} sends no goodbye: it is an abort, as in the JS reference, and the peer sees a truncated stream.
 * End cleanly with {@link EndOfOutput} first.
 */
final class BoxStreamEncoder extends ChannelOutboundHandlerAdapter {
    private final BoxStreamSealer sealer;
    private boolean closedLocally;

    BoxStreamEncoder(BoxStreamSealer sealer) {
        this.sealer = sealer;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            writeData(ctx, buf, promise);
        } else if (msg == EndOfOutput.INSTANCE) {
            if (sealer.ended()) {
                promise.setSuccess(); // ending twice is harmless
                return;
            }
            ByteBuf goodbye = ctx.alloc().ioBuffer(BoxStreamSealer.HEADER_BYTES);
            sealer.goodbye(goodbye);
            ctx.write(goodbye, ctx.voidPromise());
            ctx.write(msg, promise);
        } else {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new UnsupportedOperationException("shs box-stream writes ByteBuf and EndOfOutput only,"
                    + " got " + msg.getClass().getName()));
        }
    }

    private void writeData(ChannelHandlerContext ctx, ByteBuf buf, ChannelPromise promise) {
        try {
            if (sealer.ended()) {
                promise.setFailure(new IllegalStateException("shs: write after EndOfOutput"));
                return;
            }
            int length = buf.readableBytes();
            if (length == 0) {
                ctx.write(Unpooled.EMPTY_BUFFER, promise);
                return;
            }
            // One output buffer per write: one allocation and one pass down the pipeline however many frames.
            ByteBuf out = ctx.alloc().ioBuffer(BoxStreamSealer.sealedLength(length));
            try {
                sealer.seal(buf, buf.readerIndex(), length, out);
            } catch (RuntimeException e) {
                out.release();
                promise.setFailure(e);
                return;
            }
            ctx.write(out, promise);
        } finally {
            buf.release();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closedLocally = true;
        ctx.close(promise);
    }

    /** Whether the close came from above us (our application), so a missing goodbye is no error. */
    boolean closedLocally() {
        return closedLocally;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        sealer.wipe();
    }
}
