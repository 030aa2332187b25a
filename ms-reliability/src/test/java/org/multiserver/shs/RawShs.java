package org.multiserver.shs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Base64;

/**
 * Builds real secret-handshake client messages for raw sockets playing hostile or broken peers. Lives in the shs
 * package (test class path only) to reach the package-private {@link SecretHandshake} state machine, so the bytes
 * are exactly what an honest client would send before a test mutates them.
 */
public final class RawShs {
    /** The default network's app key ({@code shs.app-key} unset). */
    public static final byte[] SSB_APP_KEY = Base64.getDecoder().decode(ShsTransformProvider.SSB_MAIN_NETWORK);

    private final SecretHandshake.Client client;
    private byte[] key;
    private byte[] nonce;

    /** An honest client of {@code serverKey} (32 bytes) with a fresh identity on the default network. */
    public RawShs(byte[] serverKey) {
        try {
            client = new SecretHandshake.Client(SSB_APP_KEY, ShsKeyPair.generate(), serverKey);
        } catch (HandshakeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Message 1 (64 bytes). */
    public byte[] message1() {
        return client.clientChallenge();
    }

    /** Verifies message 2 and returns message 3 (112 bytes). */
    public byte[] message3(byte[] message2) throws HandshakeException {
        return client.readServerChallenge(message2);
    }

    /** Verifies message 4; after it the box-stream starts, and {@link #frame} seals our side of it. */
    public void readMessage4(byte[] message4) throws HandshakeException {
        BoxStreamKeys keys = client.readServerAccept(message4);
        key = keys.encryptKey.clone();
        nonce = keys.encryptNonce.clone();
    }

    /** The whole handshake as an honest client over {@code socket}; afterwards {@link #frame} seals our side. */
    public void handshake(Socket socket) throws IOException, HandshakeException {
        handshake(socket.getInputStream(), socket.getOutputStream());
    }

    /** The whole handshake over byte streams (a socket's, or WebSocket payloads read and written by hand). */
    public void handshake(InputStream in, OutputStream out) throws IOException, HandshakeException {
        out.write(message1());
        out.write(message3(in.readNBytes(64)));
        readMessage4(in.readNBytes(80));
    }

    /** The next box-stream frame of our side, carrying {@code body} (at most 4096 bytes). */
    public byte[] frame(byte[] body) {
        return frameAnnouncing(body.length, body);
    }

    /**
     * The next frame, whose properly encrypted header announces {@code announced} bytes whatever the body's length:
     * what no honest sealer writes when {@code announced} is over 4096.
     */
    public byte[] frameAnnouncing(int announced, byte[] body) {
        byte[] frame = Frames.frame(key, nonce, announced, body);
        nonce = Frames.nonceAfter(nonce, 2);
        return frame;
    }

    /** The goodbye: a header of 18 zero bytes. */
    public byte[] goodbye() {
        byte[] boxedHeader = new byte[34];
        NativeSodium.require(NativeSodium.SODIUM.crypto_secretbox_easy(boxedHeader, new byte[18], 18, nonce, key),
                "crypto_secretbox_easy");
        return boxedHeader;
    }

    /** The server key of an address whose last section is {@code shs:<key>}. */
    public static byte[] serverKey(String address) {
        String shs = address.substring(address.lastIndexOf("~shs:") + 5);
        int colon = shs.indexOf(':');
        return Base64.getDecoder().decode(colon < 0 ? shs : shs.substring(0, colon));
    }
}
