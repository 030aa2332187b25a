package org.multiserver.shs;

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

    /** Verifies message 4; after it the box-stream starts. */
    public void readMessage4(byte[] message4) throws HandshakeException {
        client.readServerAccept(message4);
    }

    /** The server key of an address whose last section is {@code shs:<key>}. */
    public static byte[] serverKey(String address) {
        String shs = address.substring(address.lastIndexOf("~shs:") + 5);
        int colon = shs.indexOf(':');
        return Base64.getDecoder().decode(colon < 0 ? shs : shs.substring(0, colon));
    }
}
