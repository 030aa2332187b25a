package org.multiserver.shs2;

import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.multiserver.spi.HandshakeHandler;

/**
 * One side of the shs2 handshake on a channel; on success the Secret Channel codecs take its place. Only the
 * protocol's messages are here: deadlines, exact reads, silent failure and leftovers are the SPI's
 * {@link HandshakeHandler}'s.
 */
final class Shs2HandshakeHandler extends HandshakeHandler<byte[]> {

    /** What each side waits for; {@code AUTHORIZING} is the server between message 3 and its decision. */
    private enum Phase {
        CLIENT_HELLO(SecretHandshake2.HELLO_BYTES, "client hello (message 1)"),
        SERVER_HELLO(SecretHandshake2.HELLO_BYTES, "server hello (message 2)"),
        CLIENT_AUTHENTICATE(SecretHandshake2.AUTHENTICATE_BYTES, "client authenticate (message 3)"),
        AUTHORIZING(0, "authorize decision (message 3)"),
        SERVER_ACCEPT(SecretHandshake2.ACCEPT_BYTES, "server accept (message 4)"),
        DONE(0, "end");

        final int bytes;
        final String label;

        Phase(int bytes, String label) {
            this.bytes = bytes;
            this.label = label;
        }
    }

    private final SecretHandshake2.Initiator initiator;
    private final SecretHandshake2.Responder responder;
    private final Shs2Authorizer authorizer;
    private Phase phase;

    private Shs2HandshakeHandler(String namePrefix, SecretHandshake2.Initiator initiator,
                                 SecretHandshake2.Responder responder, Shs2Authorizer authorizer, Duration timeout,
                                 CompletableFuture<byte[]> result) {
        super("shs2", namePrefix, timeout, result);
        this.initiator = initiator;
        this.responder = responder;
        this.authorizer = authorizer;
        this.phase = initiator != null ? Phase.SERVER_HELLO : Phase.CLIENT_HELLO;
    }

    /** The client side; completes {@code result} with the server's key. */
    static Shs2HandshakeHandler client(String namePrefix, SecretHandshake2.Initiator initiator, Duration timeout,
                                       CompletableFuture<byte[]> result) {
        return new Shs2HandshakeHandler(namePrefix, initiator, null, null, timeout, result);
    }

    /** The server side; completes {@code result} with the client's key once {@code authorizer} let it in. */
    static Shs2HandshakeHandler server(String namePrefix, SecretHandshake2.Responder responder,
                                       Shs2Authorizer authorizer, Duration timeout, CompletableFuture<byte[]> result) {
        return new Shs2HandshakeHandler(namePrefix, null, responder, authorizer, timeout, result);
    }

    @Override
    protected void start(ChannelHandlerContext ctx) {
        if (initiator != null) {
            send(ctx, initiator.hello(), "the client hello (message 1)");
        }
    }

    @Override
    protected int expectedBytes() {
        return phase.bytes;
    }

    @Override
    protected void read(ChannelHandlerContext ctx, byte[] message) throws IOException {
        try {
            switch (phase) {
                case CLIENT_HELLO -> {
                    byte[] hello = responder.readHello(message);
                    phase = Phase.CLIENT_AUTHENTICATE;
                    send(ctx, hello, "the server hello (message 2)");
                }
                case SERVER_HELLO -> {
                    byte[] authenticate = initiator.readHello(message);
                    phase = Phase.SERVER_ACCEPT;
                    send(ctx, authenticate, "the client authenticate (message 3)");
                }
                case CLIENT_AUTHENTICATE -> {
                    byte[] clientKey = responder.readAuthenticate(message);
                    phase = Phase.AUTHORIZING;
                    authorize(ctx, KeyText.format(clientKey));
                }
                case SERVER_ACCEPT -> {
                    ChannelKeys keys = initiator.readAccept(message);
                    finish(ctx, keys);
                }
                default -> throw new IllegalStateException(phase.name());
            }
        } catch (SecretHandshake2.Failure e) {
            throw new Shs2HandshakeException("shs2: rejected the " + phase.label + ": " + e.getMessage());
        }
    }

    private void authorize(ChannelHandlerContext ctx, String who) {
        authorize(ctx, who, "message 3", () -> authorizer.authorize(who, responder.payload.clone()), () -> {
            try {
                byte[] accept = responder.accept();
                send(ctx, accept, "the server accept (message 4)");
                finish(ctx, responder.keys());
            } catch (SecretHandshake2.Failure e) {
                fail(ctx, "cannot accept client " + who + " (message 4): " + e.getMessage());
            }
        });
    }

    /** Puts the Secret Channel in our place; the bytes behind the last message go on to its decoder. */
    private void finish(ChannelHandlerContext ctx, ChannelKeys keys) {
        phase = Phase.DONE;
        SecretChannelEncoder encoder = new SecretChannelEncoder(new ChannelCipher(keys.encryptKey,
                keys.encryptNonce));
        SecretChannelDecoder decoder = new SecretChannelDecoder(new ChannelCipher(keys.decryptKey,
                keys.decryptNonce), encoder);
        keys.wipe(); // the ciphers hold their own copies
        addNext(ctx, "channel-encoder", encoder);
        addNext(ctx, "channel-decoder", decoder);
        succeed(ctx, keys.remotePublicKey);
    }

    @Override
    protected String waitingFor() {
        return phase.label;
    }

    @Override
    protected IOException error(String message, Throwable cause) {
        return new Shs2HandshakeException(message, cause);
    }

    @Override
    protected String hungUp() {
        return switch (phase) {
            case CLIENT_HELLO -> "shs2: the client hung up before its hello (message 1)";
            case SERVER_HELLO -> "shs2: the server hung up instead of sending its hello (message 2): wrong network"
                    + " key, or it does not speak shs2";
            // Message 1 verified, so the client has our network key: it gave up, or dialled us for another server.
            case CLIENT_AUTHENTICATE -> "shs2: the client hung up instead of authenticating (message 3): it gave"
                    + " up, or it does not speak shs2";
            case AUTHORIZING -> "shs2: the client hung up while we were authorizing it (message 3)";
            case SERVER_ACCEPT -> "shs2: the server hung up instead of accepting (message 4): wrong server key, or"
                    + " it did not authorize us";
            case DONE -> "shs2: connection closed";
        };
    }

    @Override
    protected void destroySecrets() {
        if (initiator != null) {
            initiator.destroy();
        }
        if (responder != null) {
            responder.destroy();
        }
    }
}
