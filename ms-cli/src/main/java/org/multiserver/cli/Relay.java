package org.multiserver.cli;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.multiserver.spi.EndOfOutput;

/**
 * Moves bytes from the channel it sits on to {@code target}, with backpressure (reading pauses while the target is
 * not writable) and half-close (the end of our input ends the target's output). A relay whose target is its own
 * channel is an echo. Put one on each side for a two-way pipe.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Relay.class);
    private final Channel target;
    private Channel source;

    /** An echo: what arrives is written back. */
    Relay() {
        this(null);
    }

    Relay(Channel target) {
        this.target = target;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        source = ctx.channel();
    }

    private Channel target() {
        return target != null ? target : source;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel to = target();
        if (!to.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        to.write(msg, to.voidPromise());
        if (!to.isWritable()) {
            ctx.channel().config().setAutoRead(false);
            to.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        target().flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Our channel drained: let whoever writes into it read again.
        Channel feeder = target != null ? target : source;
        if (ctx.channel().isWritable()) {
            feeder.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            target().writeAndFlush(EndOfOutput.INSTANCE);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channel to = target();
        if (to != ctx.channel() && to.isActive()) {
            to.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("relay on {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
