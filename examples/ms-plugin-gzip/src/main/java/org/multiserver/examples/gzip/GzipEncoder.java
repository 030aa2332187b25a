package org.multiserver.examples.gzip;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.handler.codec.compression.JdkZlibEncoder;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.util.ReferenceCountUtil;
import org.multiserver.spi.EndOfOutput;

/**
 * Compresses what we write into one gzip member, with Netty's {@link JdkZlibEncoder}: it writes the header with the
 * first bytes and deflates each write with a sync flush on its own, so its bytes leave at once, decodable by the peer
 * without what comes next (a few bytes per write, and what makes interactive use work). What this class adds is the
 * platform's half-close: {@link EndOfOutput} finishes the member (last block, CRC-32, size) and is then passed on,
 * and writes after it fail.
 */
final class GzipEncoder extends JdkZlibEncoder {
    static final String NAME = "gzip-deflate";

    private boolean ended;

    GzipEncoder(int level) {
        super(ZlibWrapper.GZIP, level);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg == EndOfOutput.INSTANCE) {
            if (!ended) {
                ended = true;
                close(ctx.newPromise()); // the trailer, written and flushed ahead of the end of output
            }
            ctx.write(msg, promise);
            return;
        }
        if (ended && msg instanceof ByteBuf) {
            // The member is finished: JdkZlibEncoder would pass further bytes on uncompressed.
            ReferenceCountUtil.release(msg);
            promise.setFailure(new ChannelOutputShutdownException("gzip: output already ended with EndOfOutput"));
            return;
        }
        super.write(ctx, msg, promise);
    }

    /**
     * Closing is not ending: JdkZlibEncoder would write the trailer first, and a peer would then take an aborted
     * connection for one that ended cleanly. The channel closes at once; only {@link EndOfOutput} finishes the
     * member.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ended = true;
        ctx.close(promise);
    }

    /**
     * The deflater's native memory is freed when the member is finished; on a connection that closed before, it is
     * finished here, into a channel that is gone (the write fails and releases its buffer), rather than left to the
     * garbage collector.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        if (!isClosed()) {
            close(ctx.newPromise());
        }
        super.handlerRemoved(ctx);
    }
}
