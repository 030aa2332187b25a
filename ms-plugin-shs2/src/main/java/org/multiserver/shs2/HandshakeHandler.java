package org.multiserver.shs2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a handshake that is the same for every protocol of fixed-size messages: a protocol writes only its
 * messages ({@link #start}, {@link #expectedBytes}, {@link #read}) and the words of its errors; this class does the
 * rest, which is where handshakes usually go wrong.
 *
 * <ul>
 *   <li>One deadline for the whole handshake, from the moment the handler is added (connect, every message and an
 *       asynchronous decision included).</li>
 *   <li>Exactly {@link #expectedBytes()} per message, however the reads are cut; bytes beyond stay for the next.</li>
 *   <li>Any failure closes the channel, sends nothing, drops what was buffered, wipes the secrets and completes the
 *       result exceptionally, once; a peer that ends its output or resets is a failure named for the phase.</li>
 *   <li>On success the protocol's next handlers take this one's place and the result completes only once the
 *       pipeline is final; removal hands every byte that arrived behind the last message to them
 *       ({@link ByteToMessageDecoder#handlerRemoved} forwards its cumulation).</li>
 * </ul>
 *
 * Everything runs on the channel's event loop; {@link #onLoop} brings an asynchronous answer back to it.
 *
 * @param <T> what a successful handshake yields, such as the peer's key
 */
abstract class HandshakeHandler<T> extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    private final Duration timeout;
    private final CompletableFuture<T> result;
    private boolean started;
    private boolean ended;
    /** The outcome between a successful handshake and this handler's removal. */
    private T succeeded;
    private io.netty.util.concurrent.Future<?> deadline;

    HandshakeHandler(Duration timeout, CompletableFuture<T> result) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.result = Objects.requireNonNull(result, "result");
    }

    // ---- what a protocol writes ----

    /** The channel is active: send the first message if this side speaks first. */
    protected abstract void start(ChannelHandlerContext ctx) throws IOException;

    /** The size of the next message from the peer; 0 while waiting for something else (a decision). */
    protected abstract int expectedBytes();

    /** One whole message of {@link #expectedBytes()} bytes. */
    protected abstract void read(ChannelHandlerContext ctx, byte[] message) throws IOException;

    /** The error for the deadline, naming what we were waiting for. */
    protected abstract IOException timedOut(Duration timeout);

    /** The error for a peer that ended or reset the connection ({@code reason} is the transport's, or null). */
    protected abstract IOException hungUp(String reason);

    /** Wipes every secret of the handshake; called once it ended either way. */
    protected abstract void destroySecrets();

    // ---- what a protocol calls ----

    /** Writes one message; a failed write fails the handshake. */
    protected final void send(ChannelHandlerContext ctx, byte[] message, String what) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(message)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(ctx, hungUp("could not send " + what + ": " + f.cause().getMessage()));
            }
        });
    }

    /**
     * Ends the handshake successfully: the protocol has put its next handlers after {@code ctx}; this handler leaves,
     * handing them what it buffered, and then {@code value} completes the result.
     */
    protected final void succeed(ChannelHandlerContext ctx, T value) {
        ended = true;
        cancelDeadline();
        destroySecrets();
        succeeded = value;
        // Inside decode() Netty defers the removal until decode returns; handlerRemoved0 completes the result.
        ctx.pipeline().remove(this);
    }

    /** Ends the handshake with {@code error}: close, send nothing, keep nothing. Later calls do nothing. */
    protected final void fail(ChannelHandlerContext ctx, IOException error) {
        if (ended) {
            return;
        }
        ended = true;
        cancelDeadline();
        destroySecrets();
        ByteBuf buffered = internalBuffer();
        buffered.skipBytes(buffered.readableBytes());
        LOG.debug("{} {}", ctx.channel(), error.getMessage());
        ctx.close();
        result.completeExceptionally(error);
    }

    /** Runs {@code step} on the event loop, unless the handshake ended meanwhile (deadline, hang-up). */
    protected final void onLoop(ChannelHandlerContext ctx, Runnable step) {
        Runnable guarded = () -> {
            if (!ended) {
                step.run();
            }
        };
        if (ctx.executor().inEventLoop()) {
            guarded.run();
        } else {
            ctx.executor().execute(guarded);
        }
    }

    // ---- the machinery ----

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> fail(ctx, timedOut(timeout)), timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        if (ctx.channel().isActive()) {
            begin(ctx);
        } else if (!ctx.channel().isOpen()) {
            fail(ctx, hungUp("closed before the handshake started"));
        }
    }

    @Override
    public final void channelActive(ChannelHandlerContext ctx) throws Exception {
        begin(ctx);
        super.channelActive(ctx);
    }

    private void begin(ChannelHandlerContext ctx) {
        if (started || ended) {
            return;
        }
        started = true;
        try {
            start(ctx);
        } catch (IOException e) {
            fail(ctx, e);
        }
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int need = expectedBytes();
        if (ended || !started || need == 0 || in.readableBytes() < need) {
            return; // ended, waiting for a decision, or not enough bytes yet: keep them
        }
        byte[] message = new byte[need];
        in.readBytes(message);
        try {
            read(ctx, message);
        } catch (IOException e) {
            fail(ctx, e);
        }
    }

    @Override
    protected final void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
        if (succeeded != null) {
            result.complete(succeeded);
        } else if (!ended) {
            ended = true; // removed mid-handshake by someone else, or torn down before it started
            destroySecrets();
            result.completeExceptionally(hungUp("the handshake handler was removed before the handshake finished"));
        }
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, hungUp(null));
        super.channelInactive(ctx);
    }

    @Override
    public final void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && !ended) {
            fail(ctx, hungUp(null)); // the peer ended its side: the handshake can never finish
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ended) {
            ctx.fireExceptionCaught(cause);
        } else {
            fail(ctx, hungUp(cause.getMessage() != null ? cause.getMessage() : cause.toString()));
        }
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
