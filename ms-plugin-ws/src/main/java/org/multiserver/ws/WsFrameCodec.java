package org.multiserver.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.PromiseCombiner;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.multiserver.address.Section;
import org.multiserver.spi.EndOfOutput;

/**
 * The last handler of the ws transport: turns binary frames into the byte stream the layers above read, and the
 * {@link ByteBuf}s they write into binary frames of at most the maximum frame size.
 *
 * <ul>
 *   <li>Binary and continuation frames carry the stream; message boundaries mean nothing (fragments pass on as they
 *       come, so a fragmented message is streamed, never aggregated).</li>
 *   <li>Pings are answered with pongs; pongs are dropped.</li>
 *   <li>A text frame is an error: multiserver streams are binary (the JS plugin sends binary). The connection is
 *       closed with status 1003 and the layers above get a {@link ProtocolException} saying so.</li>
 *   <li>Closing is the RFC 6455 closing handshake, and there is no half-close.
 *     <ul>
 *       <li>We end first ({@link EndOfOutput} or {@code close()}): our close frame goes out after everything written
 *           before it; we wait (at most the close timeout) for the peer's close frame, dropping data frames that
 *           still arrive, then close the TCP connection. A closing server ({@link #GOING_AWAY}) sends 1001 and
 *           does not wait.</li>
 *       <li>The peer ends first (its close frame): the layers above get {@link ChannelInputShutdownEvent}, and our
 *           answering close frame goes out when our side ends too ({@link EndOfOutput} or {@code close()}), at the
 *           latest after the close timeout; then the TCP connection closes. Until then what the layers above write
 *           still goes out: an echo's tail, the shs goodbye. A JS peer ends its side exactly like this (data, the
 *           shs goodbye, a close frame), and the JS server answers only after its pull-streams, which run
 *           synchronously, sent their goodbye; answering at once would cut ours off.</li>
 *     </ul></li>
 *   <li>A TCP close without a close frame reaches the layers above as an error (close code 1006, abnormal).</li>
 * </ul>
 */
final class WsFrameCodec extends ChannelDuplexHandler {
    static final String NAME = "ws-frames";
    /** Set by a closing server on its connections: close with 1001 and do not wait for the answer. */
    static final AttributeKey<Boolean> GOING_AWAY = AttributeKey.valueOf(WsFrameCodec.class, "goingAway");

    private final Section address;
    private final int maxFrameSize;
    private final Duration closeTimeout;

    /** The write of our close frame, once we sent one (or the decoder sent one for us). */
    private ChannelFuture closeFrame;
    /** The peer's close status once its close frame arrived (-1: it had none), else null. */
    private Integer peerStatus;
    private boolean failed;
    private ScheduledFuture<?> closeDeadline;

    /**
     * @param address      the peer, for error messages: the section dialled, or the remote section of an accepted
     *                     connection
     * @param maxFrameSize the largest frame payload we write
     * @param closeTimeout how long either side of the closing handshake waits for the other
     */
    WsFrameCodec(Section address, int maxFrameSize, Duration closeTimeout) {
        this.address = address;
        this.maxFrameSize = maxFrameSize;
        this.closeTimeout = closeTimeout;
    }

    // ---- inbound ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
            if (peerStatus != null || !frame.content().isReadable()) {
                frame.release(); // nothing may follow the peer's close frame
                return;
            }
            // Data after our own close frame is kept: our end is only our write side's end, and the echo of what
            // we wrote last (an `echo hi | multiserver connect ws://...`) arrives after it.
            ctx.fireChannelRead(frame.content());
        } else if (frame instanceof PingWebSocketFrame) {
            if (closeFrame != null) {
                frame.release();
            } else {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content()));
            }
        } else if (frame instanceof CloseWebSocketFrame close) {
            try {
                peerClosed(ctx, close);
            } finally {
                close.release();
            }
        } else if (frame instanceof TextWebSocketFrame) {
            frame.release();
            fail(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "text frames are not supported",
                    new ProtocolException(address + ": the peer sent a text frame; multiserver over WebSockets"
                            + " carries binary frames only (closed with 1003)"));
        } else {
            frame.release(); // pong, or a frame type Netty added later
        }
    }

    private void peerClosed(ChannelHandlerContext ctx, CloseWebSocketFrame close) {
        if (peerStatus != null) {
            return;
        }
        int status = close.statusCode();
        peerStatus = status;
        if (closeFrame != null) {
            // The closing handshake we started is complete.
            cancelDeadline();
            closeFrame.addListener(f -> ctx.close());
            return;
        }
        if (status != -1 && status != WebSocketCloseStatus.NORMAL_CLOSURE.code()
                && status != WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code()) {
            String reason = close.reasonText();
            failed = true;
            // The error goes up before the channel closes, so a reader sees it rather than a clean end.
            ChannelFuture answered = sendClose(ctx, new CloseWebSocketFrame(WebSocketCloseStatus.valueOf(status)),
                    ctx.newPromise());
            ctx.fireExceptionCaught(new IOException(address + ": the peer closed the connection with status "
                    + status + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")")));
            answered.addListener(f -> ctx.close());
            return;
        }
        // The peer ended its side: ours ends when the layers above say so, or at the deadline.
        closeDeadline = ctx.executor().schedule(() -> answer(ctx, ctx.newPromise()), closeTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed = true;
        if (cause instanceof CorruptedWebSocketFrameException corrupt) {
            // The decoder (configured not to close by itself) dropped the rest of the input: close with its status.
            ChannelFuture closing = closeFrame == null && ctx.channel().isActive()
                    ? sendClose(ctx, new CloseWebSocketFrame(corrupt.closeStatus(),
                            corrupt.closeStatus().reasonText()), ctx.newPromise())
                    : ctx.newSucceededFuture();
            String why = corrupt.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG
                    ? "the peer sent a frame bigger than the maximum frame size (ws.max-frame-size); closed with 1009"
                    : "WebSocket protocol violation: " + corrupt.getMessage() + " (closed with "
                            + corrupt.closeStatus().code() + ")";
            ctx.fireExceptionCaught(new ProtocolException(address + ": " + why));
            closing.addListener(f -> ctx.close());
            return;
        }
        if (cause instanceof IOException && !String.valueOf(cause.getMessage()).startsWith(address.toString())) {
            ctx.fireExceptionCaught(new IOException(address + ": " + cause.getMessage(), cause));
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelDeadline();
        if (closeFrame == null && peerStatus == null && !failed) {
            failed = true;
            ctx.fireExceptionCaught(new IOException(address + ": the connection closed without a WebSocket close"
                    + " frame (abnormal closure)"));
        }
        ctx.fireChannelInactive();
    }

    // ---- outbound ----

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg == EndOfOutput.INSTANCE) {
            // No half-close in WebSockets: our end is the connection's end.
            if (peerStatus != null) {
                answer(ctx, promise);
            } else {
                startClose(ctx, promise);
            }
            return;
        }
        if (!(msg instanceof ByteBuf data)) {
            ctx.write(msg, promise);
            return;
        }
        if (closeFrame != null) {
            data.release();
            promise.setFailure(new IOException(address + ": the WebSocket connection is closing"));
            return;
        }
        int length = data.readableBytes();
        if (length == 0) {
            ctx.write(data, promise); // a flush marker (Connection.close writes one): no empty frame
            return;
        }
        if (length <= maxFrameSize) {
            ctx.write(new BinaryWebSocketFrame(data), promise);
            return;
        }
        PromiseCombiner all = new PromiseCombiner(ctx.executor());
        try {
            while (data.isReadable()) {
                int n = Math.min(maxFrameSize, data.readableBytes());
                all.add(ctx.write(new BinaryWebSocketFrame(data.readRetainedSlice(n))));
            }
        } finally {
            data.release();
        }
        all.finish(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        if (closeFrame == null && peerStatus == null && Boolean.TRUE.equals(ctx.channel().attr(GOING_AWAY).get())) {
            // The server is closing: say so, and close without waiting for the answer.
            sendClose(ctx, new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "server closing"),
                    ctx.newPromise()).addListener(f -> ctx.close(promise));
            return;
        }
        if (closeFrame == null) {
            if (peerStatus != null) {
                answer(ctx, ctx.newPromise());
            } else {
                startClose(ctx, ctx.newPromise());
            }
        }
        if (peerStatus != null || failed) {
            closeFrame.addListener(f -> ctx.close(promise)); // nothing to wait for but our close frame
        } else {
            // The peer's close frame (or the deadline) closes the channel; the caller hears of it then.
            ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
        }
    }

    /** We end first: our close frame after everything written so far; the peer's answer (or the deadline) closes. */
    private void startClose(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (closeFrame != null) {
            closeFrame.addListener(f -> promise.trySuccess());
            return;
        }
        sendClose(ctx, new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE), promise);
        // Read on even if the layers above stopped reading: the peer's close frame must get through.
        ctx.channel().config().setAutoRead(true);
        closeDeadline = ctx.executor().schedule(() -> {
            ctx.close();
        }, closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The peer ended first: our answering close frame (its status echoed) after what is queued, then close. */
    private void answer(ChannelHandlerContext ctx, ChannelPromise promise) {
        cancelDeadline();
        if (closeFrame != null) {
            closeFrame.addListener(f -> promise.trySuccess());
            return;
        }
        int status = peerStatus;
        CloseWebSocketFrame frame = status == -1 ? new CloseWebSocketFrame()
                : new CloseWebSocketFrame(WebSocketCloseStatus.valueOf(status));
        sendClose(ctx, frame, promise).addListener(f -> ctx.close());
    }

    private void fail(ChannelHandlerContext ctx, WebSocketCloseStatus status, String reason, Throwable error) {
        if (failed) {
            return;
        }
        failed = true;
        // The close frame is on its way before the error goes up (whose handler may close the channel), and the
        // channel closes only after the error went up, so a reader sees the error rather than a clean end.
        ChannelFuture closing = closeFrame == null && ctx.channel().isActive()
                ? sendClose(ctx, new CloseWebSocketFrame(status, reason), ctx.newPromise())
                : ctx.newSucceededFuture();
        ctx.fireExceptionCaught(error);
        closing.addListener(f -> ctx.close());
    }

    /**
     * Writes our close frame. {@link #closeFrame} is set before the write, as the write may complete at once and
     * its listeners (a {@code close()} from the layers above) must see it sent.
     */
    private ChannelFuture sendClose(ChannelHandlerContext ctx, CloseWebSocketFrame frame, ChannelPromise promise) {
        ChannelPromise written = ctx.newPromise();
        closeFrame = written;
        written.addListener(f -> {
            if (f.isSuccess()) {
                promise.trySuccess();
            } else {
                promise.tryFailure(f.cause());
            }
        });
        ctx.writeAndFlush(frame, written);
        return written;
    }

    private void cancelDeadline() {
        if (closeDeadline != null) {
            closeDeadline.cancel(false);
            closeDeadline = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    @Override
    public String toString() {
        return "WsFrameCodec(" + address + ")";
    }
}
