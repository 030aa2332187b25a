package org.multiserver.shs;

import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.multiserver.spi.HandshakeHandler;

/**
 * One side of the secret handshake on a channel; on success the box-stream codecs take its place. Only the
 * protocol's messages are here: one deadline, exact reads, silent failure and the bytes behind the last message are
 * the SPI's {@link HandshakeHandler}'s. Errors are {@link HandshakeException}s that name the phase.
 */
final class ShsHandshakeHandler extends HandshakeHandler<byte[]> {
    /** What each side waits for; {@code AUTHORIZING} is the server between message 3 and its decision. */
    private enum Phase {
        CLIENT_CHALLENGE(SecretHandshake.CHALLENGE_BYTES, "client challenge (message 1)"),
        SERVER_CHALLENGE(SecretHandshake.CHALLENGE_BYTES, "server challenge (message 2)"),
        CLIENT_AUTH(SecretHandshake.CLIENT_AUTH_BYTES, "client auth (message 3)"),
        AUTHORIZING(0, "authorize decision (message 3)"),
        SERVER_ACCEPT(SecretHandshake.SERVER_ACCEPT_BYTES, "server accept (message 4)"),
        DONE(0, "end");

        final int bytes;
        final String label;

        Phase(int bytes, String label) {
            this.bytes = bytes;
            this.label = label;
        }
    }

    private final byte[] appKey;
    private final ShsKeyPair local;
    private final byte[] serverKey;
    private final Function<byte[], ? extends CompletionStage<Boolean>> authorizer;
    private SecretHandshake.Client client;
    private SecretHandshake.Server server;
    private Phase phase;

    private ShsHandshakeHandler(String namePrefix, byte[] appKey, ShsKeyPair local, byte[] serverKey,
                                Function<byte[], ? extends CompletionStage<Boolean>> authorizer, Duration timeout,
                                CompletableFuture<byte[]> result) {
        super("shs", namePrefix, timeout, result);
        this.appKey = appKey.clone();
        this.local = Objects.requireNonNull(local, "local");
        this.serverKey = serverKey == null ? null : serverKey.clone();
        this.authorizer = authorizer;
        this.phase = serverKey != null ? Phase.SERVER_CHALLENGE : Phase.CLIENT_CHALLENGE;
    }

    /** The client side: dials {@code serverKey}; completes {@code result} with the server's key. */
    static ShsHandshakeHandler client(String namePrefix, byte[] appKey, ShsKeyPair local, byte[] serverKey,
                                      Duration timeout, CompletableFuture<byte[]> result) {
        return new ShsHandshakeHandler(namePrefix, appKey, local, Objects.requireNonNull(serverKey, "serverKey"),
                null, timeout, result);
    }

    /** The server side; completes {@code result} with the client's key once {@code authorizer} let it in. */
    static ShsHandshakeHandler server(String namePrefix, byte[] appKey, ShsKeyPair local,
                                      Function<byte[], ? extends CompletionStage<Boolean>> authorizer,
                                      Duration timeout, CompletableFuture<byte[]> result) {
        return new ShsHandshakeHandler(namePrefix, appKey, local, null,
                Objects.requireNonNull(authorizer, "authorizer"), timeout, result);
    }

    @Override
    protected void start(ChannelHandlerContext ctx) throws IOException {
        if (serverKey != null) {
            client = new SecretHandshake.Client(appKey, local, serverKey);
            send(ctx, client.clientChallenge(), "message 1");
        } else {
            server = new SecretHandshake.Server(appKey, local);
        }
    }

    @Override
    protected int expectedBytes() {
        return phase.bytes;
    }

    @Override
    protected void read(ChannelHandlerContext ctx, byte[] message) throws IOException {
        switch (phase) {
            case CLIENT_CHALLENGE -> {
                byte[] challenge = server.readClientChallenge(message);
                phase = Phase.CLIENT_AUTH;
                send(ctx, challenge, "message 2");
            }
            case SERVER_CHALLENGE -> {
                byte[] auth = client.readServerChallenge(message);
                phase = Phase.SERVER_ACCEPT;
                send(ctx, auth, "message 3");
            }
            case CLIENT_AUTH -> {
                byte[] clientKey = server.readClientAuth(message);
                phase = Phase.AUTHORIZING;
                authorize(ctx, KeyText.format(clientKey), "message 3", () -> authorizer.apply(clientKey.clone()),
                        () -> {
                            SecretHandshake.Accepted accepted = server.accept();
                            send(ctx, accepted.message4(), "message 4");
                            finish(ctx, accepted.keys());
                        });
            }
            case SERVER_ACCEPT -> finish(ctx, client.readServerAccept(message));
            default -> throw new IllegalStateException(phase.name());
        }
    }

    /** Puts the box-stream codecs in our place; the bytes behind the last message go on to the decoder. */
    private void finish(ChannelHandlerContext ctx, BoxStreamKeys keys) {
        phase = Phase.DONE;
        BoxStreamEncoder encoder = new BoxStreamEncoder(new BoxStreamSealer(keys.encryptKey, keys.encryptNonce));
        BoxStreamDecoder decoder = new BoxStreamDecoder(new BoxStreamOpener(keys.decryptKey, keys.decryptNonce),
                encoder);
        byte[] peer = keys.remotePublicKey;
        keys.wipe(); // the sealer and opener hold their own copies
        addNext(ctx, "box-encoder", encoder);
        addNext(ctx, "box-decoder", decoder);
        succeed(ctx, peer);
    }

    @Override
    protected String waitingFor() {
        return phase.label;
    }

    @Override
    protected IOException error(String message, Throwable cause) {
        return new HandshakeException(message, cause);
    }

    /** What a hang-up most likely means in this phase. */
    @Override
    protected String hungUp() {
        return switch (phase) {
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
    }

    @Override
    protected void destroySecrets() {
        if (client != null) {
            client.destroy();
        }
        if (server != null) {
            server.destroy();
        }
    }
}
