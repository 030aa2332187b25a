package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Cuts every inbound buffer into pieces of 1 to 7 bytes, each its own read. A stream transport may split bytes
 * anywhere; a transform that assumes one read holds one whole message works on a quiet loopback and fails on a
 * real network. This makes the real network's worst case the normal case.
 */
final class Fragmenter extends ChannelInboundHandlerAdapter {
    static final String NAME = "tck-fragment";

    private int next = 1;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (buf.isReadable()) {
                int n = Math.min(next, buf.readableBytes());
                next = next % 7 + 1;
                ctx.fireChannelRead(buf.readRetainedSlice(n));
            }
        } finally {
            buf.release();
        }
    }
}
