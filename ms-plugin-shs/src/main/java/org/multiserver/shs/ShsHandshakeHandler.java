package org.multiserver.shs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one side of the secret handshake on a channel, then replaces itself with the box-stream codecs.
 *
 * <p>It reads exactly the size of each expected message, writes the next message only after the previous one
 * verified, and enforces one deadline for the whole handshake (counted from when the handler starts, authorize
 * callback included). Any failure closes the channel without sending anything and completes the result future
 * exceptionally with a {@link HandshakeException} that names the phase; nothing is fired down the pipeline.
 *
 * <p>On success the box-stream codecs take this handler's place and then the future completes with the peer's public
 * key, once the pipeline is final. Removal hands every byte that arrived behind the last handshake message to the
 * decoder ({@link ByteToMessageDecoder#handlerRemoved} forwards its cumulation), whose plaintext goes on to the next
 * handler: the platform keeps a buffering handler at the end of every pipeline
 * ({@link org.multiserver.spi.Pipelines#TAIL}) so nothing is lost before the next layer is added.
 */
final class ShsHandshakeHandler extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(ShsHandshakeHandler.class);

    /** What each side waits for; {@code AUTHORIZING} is the server between message 3 and its decision. */
    private enum Phase {
        CLIENT_CHALLENGE(1, SecretHandshake.CHALLENGE_BYTES, "client challenge"),
        SERVER_CHALLENGE(2, SecretHandshake.CHALLENGE_BYTES, "server challenge"),
        CLIENT_AUTH(3, SecretHandshake.CLIENT_AUTH_BYTES, "client auth"),
        AUTHORIZING(3, 0, "authorize decision"),
        SERVER_ACCEPT(4, SecretHandshake.SERVER_ACCEPT_BYTES, "server accept"),
        DONE(0, 0, "");

        final int message;
        final int bytes;
        final String label;

        Phase(int message, int bytes, String label) {
            this.message = message;
            this.bytes = bytes;
            this.label = label;
        }

        String describe() {
            return label + " (message " + message + ")";
        }
    }

    private final String namePrefix;
    private final Duration timeout;
    private final CompletableFuture<byte[]> result;
    // Client side
    private final byte[] appKey;
    private final ShsKeyPair local;
    private final byte[] serverKey;
    private SecretHandshake.Client client;
    // Server side
    private final Function<byte[], ? extends CompletionStage<Boolean>> authorizer;
    private SecretHandshake.Server server;

    private Phase phase;
    private boolean started;
    /** The peer's key between a successful handshake and this handler's removal. */
    private byte[] succeeded;
    private io.netty.util.concurrent.Future<?> deadline;

    private ShsHandshakeHandler(String namePrefix, byte[] appKey, ShsKeyPair local, byte[] serverKey,
                                Function<byte[], ? extends CompletionStage<Boolean>> authorizer, Duration timeout,
                                CompletableFuture<byte[]> result) {
        this.namePrefix = Objects.requireNonNull(namePrefix, "namePrefix");
        this.appKey = appKey.clone();
        this.local = Objects.requireNonNull(local, "local");
        this.serverKey = serverKey == null ? null : serverKey.clone();
        this.authorizer = authorizer;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.result = Objects.requireNonNull(result, "result");
        this.phase = serverKey != null ? Phase.SERVER_CHALLENGE : Phase.CLIENT_CHALLENGE;
    }

    /** The client side: dials {@code serverKey}; completes {@code result} with the server's key. */
    static ShsHandshakeHandler client(String namePrefix, byte[] appKey, ShsKeyPair local, byte[] serverKey,
                                      Duration timeout, CompletableFuture<byte[]> result) {
        return new ShsHandshakeHandler(namePrefix, appKey, local, Objects.requireNonNull(serverKey, "serverKey"),
                null, timeout, result);
    }

    /**
     * The server side; completes {@code result} with the client's key once {@code authorizer} allowed it. The
     * authorizer gets a copy of the client's key and may answer later, on any thread.
     */
    static ShsHandshakeHandler server(String namePrefix, byte[] appKey, ShsKeyPair local,
                                      Function<byte[], ? extends CompletionStage<Boolean>> authorizer,
                                      Duration timeout, CompletableFuture<byte[]> result) {
        return new ShsHandshakeHandler(namePrefix, appKey, local, null,
                Objects.requireNonNull(authorizer, "authorizer"), timeout, result);
    }

    private boolean isClient() {
        return serverKey != null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // The deadline runs from here even on a channel still connecting: one budget for the whole handshake.
        deadline = ctx.executor().schedule(() -> fail(ctx, new HandshakeException("shs: handshake deadline of "
                + describe(timeout) + " passed while waiting for the " + phase.describe())),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (ctx.channel().isActive()) {
            start(ctx);
        } else if (!ctx.channel().isOpen()) {
            fail(ctx, new HandshakeException("shs: the connection was closed before the handshake started"));
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started || phase == Phase.DONE) {
            return;
        }
        started = true;
        if (isClient()) {
            try {
                client = new SecretHandshake.Client(appKey, local, serverKey);
            } catch (HandshakeException e) {
                fail(ctx, e);
                return;
            }
            send(ctx, client.clientChallenge(), 1);
        } else {
            server = new SecretHandshake.Server(appKey, local);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int need = phase.bytes;
        if (need == 0 || !started || in.readableBytes() < need) {
            return; // waiting for a decision, done, failed, or not enough bytes yet: keep them
        }
        byte[] message = new byte[need];
        in.readBytes(message);
        try {
            switch (phase) {
                case CLIENT_CHALLENGE -> {
                    byte[] challenge = server.readClientChallenge(message);
                    phase = Phase.CLIENT_AUTH;
                    send(ctx, challenge, 2);
                }
                case SERVER_CHALLENGE -> {
                    byte[] auth = client.readServerChallenge(message);
                    phase = Phase.SERVER_ACCEPT;
                    send(ctx, auth, 3);
                }
                case CLIENT_AUTH -> {
                    byte[] clientKey = server.readClientAuth(message);
                    phase = Phase.AUTHORIZING;
                    authorize(ctx, clientKey);
                }
                case SERVER_ACCEPT -> finish(ctx, client.readServerAccept(message));
                default -> throw new IllegalStateException(phase.name());
            }
        } catch (HandshakeException e) {
            fail(ctx, e);
        }
    }

    private void authorize(ChannelHandlerContext ctx, byte[] clientKey) {
        String who = KeyText.format(clientKey);
        CompletionStage<Boolean> decision;
        try {
            decision = Objects.requireNonNull(authorizer.apply(clientKey.clone()), "authorizer returned null");
        } catch (RuntimeException e) {
            fail(ctx, new HandshakeException("shs: authorize callback failed for client " + who + " (message 3): "
                    + e, e));
            return;
        }
        decision.whenComplete((allowed, error) -> {
            if (ctx.executor().inEventLoop()) {
                decided(ctx, who, allowed, error);
            } else {
                ctx.executor().execute(() -> decided(ctx, who, allowed, error));
            }
        });
    }

    private void decided(ChannelHandlerContext ctx, String who, Boolean allowed, Throwable error) {
        if (phase != Phase.AUTHORIZING) {
            return; // the deadline passed or the client hung up while we were deciding
        }
        if (error != null) {
            fail(ctx, new HandshakeException("shs: authorize callback failed for client " + who + " (message 3): "
                    + error, error));
        } else if (!Boolean.TRUE.equals(allowed)) {
            fail(ctx, new HandshakeException("shs: client " + who + " not authorized (message 3)"));
        } else {
            SecretHandshake.Accepted accepted = server.accept();
            send(ctx, accepted.message4(), 4);
            finish(ctx, accepted.keys());
        }
    }

    private void send(ChannelHandlerContext ctx, byte[] message, int number) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(message)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(ctx, new HandshakeException("shs: could not send message " + number + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
    }

    private void finish(ChannelHandlerContext ctx, BoxStreamKeys keys) {
        phase = Phase.DONE;
        cancelDeadline();
        BoxStreamEncoder encoder = new BoxStreamEncoder(new BoxStreamSealer(keys.encryptKey, keys.encryptNonce));
        BoxStreamDecoder decoder = new BoxStreamDecoder(new BoxStreamOpener(keys.decryptKey, keys.decryptNonce),
                encoder);
        succeeded = keys.remotePublicKey;
        keys.wipe(); // the sealer and opener hold their own copies
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), namePrefix + "box-decoder", decoder);
        pipeline.addAfter(ctx.name(), namePrefix + "box-encoder", encoder);
        LOG.debug("{} shs handshake done with {}", ctx.channel(), KeyText.format(succeeded));
        // Inside decode() Netty defers the removal until decode returns; handlerRemoved0 completes the future.
        pipeline.remove(this);
    }

    /** Runs once the bytes behind the last message went on to the decoder: the pipeline is final. */
    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
        if (succeeded != null) {
            result.complete(succeeded);
        } else if (phase != Phase.DONE) {
            // Someone removed us mid-handshake (or the channel was torn down before it started).
            phase = Phase.DONE;
            destroySecrets();
            result.completeExceptionally(new HandshakeException("shs: handshake handler removed before the"
                    + " handshake finished"));
        }
    }

    private void fail(ChannelHandlerContext ctx, HandshakeException error) {
        if (phase == Phase.DONE) {
            return;
        }
        phase = Phase.DONE;
        cancelDeadline();
        destroySecrets();
        ByteBuf buffered = internalBuffer();
        buffered.skipBytes(buffered.readableBytes()); // nothing of a failed handshake goes further
        LOG.debug("{} {}", ctx.channel(), error.getMessage());
        ctx.close();
        result.completeExceptionally(error);
    }

    private void destroySecrets() {
        if (client != null) {
            client.destroy();
        }
        if (server != null) {
            server.destroy();
        }
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, hungUp());
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && phase != Phase.DONE) {
            fail(ctx, hungUp()); // the peer ended its side: the handshake can never finish
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (phase == Phase.DONE) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (cause instanceof java.io.IOException) {
            // A reset is a hang-up too: same wording as a FIN in this phase, with the transport's reason.
            fail(ctx, new HandshakeException(hungUp().getMessage() + " (" + cause.getMessage() + ")", cause));
        } else {
            fail(ctx, new HandshakeException("shs: connection failed while waiting for the " + phase.describe()
                    + ": " + cause, cause));
        }
    }

    /** The error for a peer that went away; its wording says what that most likely means in this phase. */
    private HandshakeException hungUp() {
        String message = switch (phase) {
            case CLIENT_CHALLENGE -> "shs: the client hung up before its challenge (message 1)";
            case SERVER_CHALLENGE -> "shs: the server hung up instead of sending its challenge (message 2): wrong"
                    + " app key, or it does not speak shs";
            case CLIENT_AUTH -> "shs: the client hung up instead of sending its auth (message 3): wrong app key, or"
                    + " it does not speak shs";
            case AUTHORIZING -> "shs: the client hung up while we were authorizing it (message 3)";
            case SERVER_ACCEPT -> "shs: server rejected client auth (message 3): it hung up instead of accepting;"
                    + " wrong server key, or it did not authorize us";
            case DONE -> "shs: connection closed";
        };
        return new HandshakeException(message);
    }

    private static String describe(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : millis + " ms";
    }
}
