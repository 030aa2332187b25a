package org.multiserver.spi;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;

/**
 * Turns {@link EndOfOutput} into a real half-close at the transport: first in a stream transport's pipeline.
 * Channels that cannot half-close are closed instead.
 */
@ChannelHandler.Sharable
public final class HalfCloseHandler extends ChannelOutboundHandlerAdapter {
    public static final HalfCloseHandler INSTANCE = new HalfCloseHandler();
    public static final String NAME = "half-close";

    private HalfCloseHandler() {
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg != EndOfOutput.INSTANCE) {
            ctx.write(msg, promise);
            return;
        }
        // Netty's shutdownOutput drops writes still queued, so wait until everything before has been written.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (ctx.channel() instanceof DuplexChannel duplex && written.isSuccess()) {
                duplex.shutdownOutput(promise);
            } else {
                ctx.close(promise);
            }
        });
    }
}
