package org.multiserver.tck.reference;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.util.ReferenceCountUtil;
import org.multiserver.spi.EndOfOutput;

/**
 * Half-close for local channels, which have no {@code shutdownOutput}: {@link EndOfOutput} is sent in-band as
 * {@link Marker#END_OF_OUTPUT} (a local channel carries any object, in order, after the bytes written before it),
 * and the peer turns the marker into {@link ChannelInputShutdownEvent}, as a socket with
 * {@code ALLOW_HALF_CLOSURE} does on FIN. Writes after our end of output fail, as on a shut-down socket. Once both
 * directions have ended the channel closes, as the platform's {@code HalfCloseHandler} closes a socket.
 */
final class LocalHalfClose extends ChannelDuplexHandler {
    static final String NAME = "local-half-close";

    /** What travels between the two channels in place of a FIN. */
    enum Marker {
        END_OF_OUTPUT
    }

    private boolean outputEnded;
    private boolean inputEnded;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg == EndOfOutput.INSTANCE) {
            if (outputEnded) {
                promise.setSuccess();
                return;
            }
            outputEnded = true;
            ctx.writeAndFlush(Marker.END_OF_OUTPUT, promise).addListener(written -> {
                if (inputEnded) {
                    ctx.close();
                }
            });
            return;
        }
        if (outputEnded) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new ChannelOutputShutdownException("output already ended with EndOfOutput"));
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg == Marker.END_OF_OUTPUT) {
            inputEnded = true;
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            if (outputEnded) {
                ctx.close();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
