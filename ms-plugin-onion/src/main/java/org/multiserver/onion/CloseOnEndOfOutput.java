package org.multiserver.onion;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import org.multiserver.spi.EndOfOutput;

/**
 * Turns {@link EndOfOutput} into a close once everything before it was written. Tor streams cannot half-close: when
 * tor reads end of file from one side it ends the whole stream (RELAY_END), so whatever the other side still sends
 * is lost. Closing says that honestly, and {@code supportsHalfClose()} says so to the platform.
 */
@ChannelHandler.Sharable
final class CloseOnEndOfOutput extends ChannelOutboundHandlerAdapter {
    static final CloseOnEndOfOutput INSTANCE = new CloseOnEndOfOutput();
    static final String NAME = "onion-end-closes";

    private CloseOnEndOfOutput() {
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg != EndOfOutput.INSTANCE) {
            ctx.write(msg, promise);
            return;
        }
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> ctx.close(promise));
    }
}
