package org.multiserver.spi;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * Turns {@link EndOfOutput} into a real half-close at the transport: first in a stream transport's pipeline.
 * Channels that cannot half-close are closed instead. Once both directions have ended (our output shut down and
 * the peer's end of input seen, in either order) the channel is closed: nothing more can cross it, and a socket
 * left open would hold its file descriptor until the process exits, whatever handlers sit above.
 */
@ChannelHandler.Sharable
public final class HalfCloseHandler extends ChannelDuplexHandler {
    public static final HalfCloseHandler INSTANCE = new HalfCloseHandler();
    public static final String NAME = "half-close";

    private HalfCloseHandler() {
    }

    /** Set once {@link EndOfOutput} passed: a shared handler keeps its per-channel state on the channel. */
    private static final AttributeKey<Boolean> ENDED = AttributeKey.valueOf(HalfCloseHandler.class, "ended");

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (ctx.channel().hasAttr(ENDED)) {
            // Behind a backed-up socket a later write would still go out before the shutdown: refuse it here.
            ReferenceCountUtil.release(msg);
            if (msg != EndOfOutput.INSTANCE) {
                promise.setFailure(new ClosedChannelException());
            } else {
                promise.setSuccess(); // ending twice is harmless
            }
            return;
        }
        if (msg != EndOfOutput.INSTANCE) {
            ctx.write(msg, promise);
            return;
        }
        ctx.channel().attr(ENDED).set(Boolean.TRUE);
        // Netty's shutdownOutput drops writes still queued, so wait until everything before has been written.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (ctx.channel() instanceof DuplexChannel duplex && written.isSuccess()) {
                // Our own promise: the caller's may be a void one, which takes no listener.
                duplex.shutdownOutput().addListener(shut -> {
                    if (shut.isSuccess()) {
                        promise.trySuccess();
                    } else {
                        promise.tryFailure(shut.cause());
                    }
                    if (duplex.isInputShutdown()) {
                        ctx.close();
                    }
                });
            } else {
                ctx.close(promise);
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt); // the handlers above see the end of input before any close
        if (evt instanceof ChannelInputShutdownEvent && ctx.channel() instanceof DuplexChannel duplex
                && duplex.isOutputShutdown()) {
            ctx.close();
        }
    }
}
