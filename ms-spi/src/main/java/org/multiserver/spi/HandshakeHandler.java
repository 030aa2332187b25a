package org.multiserver.spi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton of a transform's handshake of fixed-size messages, as Netty's {@code ProxyHandler} is for proxies: a
 * protocol writes only its messages ({@link #start}, {@link #expectedBytes}, {@link #read}), the words for what it
 * waits for ({@link #waitingFor}) and its error type ({@link #error}); this class does the rest, which is where
 * handshakes usually go wrong.
 *
 * <ul>
 *   <li>One deadline for the whole handshake, from the moment the handler is added (connect, every message and an
 *       asynchronous decision included); pass {@link PluginContext#handshakeTimeout()}.</li>
 *   <li>Exactly {@link #expectedBytes()} per message, however the reads are cut; bytes beyond stay for the next.</li>
 *   <li>Any failure closes the channel, sends nothing, drops what was buffered, wipes the secrets and completes the
 *       result exceptionally, once. A peer that ends its output ({@link ChannelInputShutdownEvent}), resets or
 *       closes is a failure named for the phase ({@link #hungUp}).</li>
 *   <li>On success the protocol's next handlers ({@link #addNext}, named with the transform's prefix) take this
 *       one's place and the result completes once this one left, when the pipeline is final. Then every byte that
 *       arrived behind the last message goes on to them: after the stack's next transform, wrapped as the result
 *       completed, added its own handlers, so a peer that writes at once loses nothing to the order of events.</li>
 *   <li>The application cannot write before the result completes, so no {@link EndOfOutput} reaches a handshake;
 *       the handlers that take its place handle it (send a goodbye, then pass it on).</li>
 * </ul>
 *
 * Everything runs on the channel's event loop; {@link #authorize} and {@link #onLoop} bring an asynchronous answer
 * back to it. Add the handler from {@link Transform#wrapServer} or {@link Transform.Target#wrapClient}, which the
 * platform calls on the event loop before the channel's first read.
 *
 * @param <T> what a successful handshake yields, such as the peer's key
 */
public abstract class HandshakeHandler<T> extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    private final String protocol;
    private final String namePrefix;
    private final Duration timeout;
    private final CompletableFuture<T> result;
    private boolean started;
    private boolean ended;
    /** The outcome between a successful handshake and this handler's removal. */
    private T succeeded;
    /** The bytes that came behind the last message, held from success until the result completed. */
    private ByteBuf leftover;
    /** The last handler {@link #addNext} put in; the next one goes after it. */
    private String lastAdded;
    private io.netty.util.concurrent.Future<?> deadline;

    /**
     * @param protocol   the transform's name, the first word of every error ({@code shs: ...})
     * @param namePrefix the prefix of the next handlers' names, unique in the pipeline (a stack may hold the same
     *                   transform twice)
     * @param timeout    the deadline of the whole handshake
     * @param result     completed once, with the handshake's outcome or its error
     */
    protected HandshakeHandler(String protocol, String namePrefix, Duration timeout, CompletableFuture<T> result) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.namePrefix = Objects.requireNonNull(namePrefix, "namePrefix");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.result = Objects.requireNonNull(result, "result");
    }

    // ---- what a protocol writes ----

    /** The channel is active: send the first message if this side speaks first. */
    protected abstract void start(ChannelHandlerContext ctx) throws IOException;

    /** The size of the next message from the peer; 0 while waiting for something else (a decision). */
    protected abstract int expectedBytes();

    /** One whole message of {@link #expectedBytes()} bytes; throw to fail the handshake with that error. */
    protected abstract void read(ChannelHandlerContext ctx, byte[] message) throws IOException;

    /** What this side waits for now, for errors: {@code server challenge (message 2)}. */
    protected abstract String waitingFor();

    /** Wipes every secret of the handshake; called once, when it ended either way. */
    protected abstract void destroySecrets();

    /** The protocol's error type for {@code message} (already prefixed with the protocol's name). */
    protected IOException error(String message, Throwable cause) {
        return new IOException(message, cause);
    }

    /**
     * What a hang-up in this phase most likely means, prefixed with the protocol's name; the transport's reason, if
     * any, is appended in brackets. Protocols override it to give a hint (wrong key, not our protocol).
     */
    protected String hungUp() {
        return protocol + ": the peer hung up while we waited for the " + waitingFor();
    }

    // ---- what a protocol calls ----

    /** Writes one message; a failed write fails the handshake. */
    protected final void send(ChannelHandlerContext ctx, byte[] message, String what) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(message)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(ctx, hangUpError("could not send " + what + ": " + f.cause().getMessage(), f.cause()));
            }
        });
    }

    /** Puts {@code handler} after this one (after the previous {@code addNext}), named prefix + {@code suffix}. */
    protected final void addNext(ChannelHandlerContext ctx, String suffix, ChannelHandler handler) {
        String name = namePrefix + suffix;
        ctx.pipeline().addAfter(lastAdded != null ? lastAdded : ctx.name(), name, handler);
        lastAdded = name;
    }

    /**
     * Ends the handshake successfully: the protocol has put its next handlers in ({@link #addNext}); this handler
     * leaves, handing them what it buffered, and then {@code value} completes the result.
     */
    protected final void succeed(ChannelHandlerContext ctx, T value) {
        ended = true;
        cancelDeadline();
        destroySecrets();
        succeeded = Objects.requireNonNull(value, "value");
        // The bytes behind our last message wait until the result completed (see handlerRemoved0), so the removal
        // forwards nothing; inside decode() Netty defers the removal until decode returns.
        ByteBuf buffered = internalBuffer();
        if (buffered.isReadable()) {
            leftover = buffered.readBytes(buffered.readableBytes());
        }
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

    /** {@link #fail(ChannelHandlerContext, IOException)} with the protocol's error for its name + {@code message}. */
    protected final void fail(ChannelHandlerContext ctx, String message) {
        fail(ctx, error(protocol + ": " + message, null));
    }

    /**
     * Asks the application whether to let {@code who} in. {@code decision} may throw, return null, fail or answer
     * later on any thread; each is a failure naming {@code who} and {@code where} ({@code message 3}). A yes runs
     * {@code allowed} on the event loop, unless the handshake ended meanwhile (deadline, hang-up).
     */
    protected final void authorize(ChannelHandlerContext ctx, String who, String where,
                                   Supplier<? extends CompletionStage<Boolean>> decision, Runnable allowed) {
        CompletionStage<Boolean> answer;
        try {
            answer = Objects.requireNonNull(decision.get(), "the authorizer returned null");
        } catch (RuntimeException e) {
            fail(ctx, error(protocol + ": authorize callback failed for client " + who + " (" + where + "): " + e,
                    e));
            return;
        }
        answer.whenComplete((yes, e) -> onLoop(ctx, () -> {
            if (e != null) {
                fail(ctx, error(protocol + ": authorize callback failed for client " + who + " (" + where + "): "
                        + e, e));
            } else if (!Boolean.TRUE.equals(yes)) {
                fail(ctx, "client " + who + " not authorized (" + where + ")");
            } else {
                allowed.run();
            }
        }));
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
        deadline = ctx.executor().schedule(() -> fail(ctx, "handshake deadline of " + describe(timeout)
                + " passed while waiting for the " + waitingFor()), timeout.toNanos(),
                java.util.concurrent.TimeUnit.NANOSECONDS);
        if (ctx.channel().isActive()) {
            begin(ctx);
        } else if (!ctx.channel().isOpen()) {
            fail(ctx, "the connection was closed before the handshake started");
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
            // Now the pipeline is final: complete, and the platform wraps the stack's next transform at once, on this
            // loop, so its handlers are in place before the bytes behind our last message reach them. A removed
            // context still links to its old neighbours, so the bytes go to our first next handler.
            result.complete(succeeded);
            ByteBuf bytes = leftover;
            leftover = null;
            if (bytes != null) {
                ctx.fireChannelRead(bytes);
                ctx.fireChannelReadComplete();
            }
        } else if (!ended) {
            ended = true; // removed mid-handshake by someone else, or torn down before it started
            destroySecrets();
            result.completeExceptionally(error(protocol + ": the handshake handler was removed before the"
                    + " handshake finished", null));
        }
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, hangUpError(null, null));
        super.channelInactive(ctx);
    }

    @Override
    public final void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && !ended) {
            fail(ctx, hangUpError(null, null)); // the peer ended its side: the handshake can never finish
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ended) {
            ctx.fireExceptionCaught(cause);
        } else if (cause instanceof IOException) {
            // A reset is a hang-up too: the same words as an end of input in this phase, with the transport's reason.
            fail(ctx, hangUpError(cause.getMessage(), cause));
        } else {
            fail(ctx, error(protocol + ": connection failed while waiting for the " + waitingFor() + ": " + cause,
                    cause));
        }
    }

    private IOException hangUpError(String reason, Throwable cause) {
        return error(reason == null ? hungUp() : hungUp() + " (" + reason + ")", cause);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    private static String describe(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : millis + " ms";
    }
}
