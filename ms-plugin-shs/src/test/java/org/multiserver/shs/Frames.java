package org.multiserver.shs;

import static org.multiserver.shs.NativeSodium.SODIUM;

/** Hand-built box-stream frames for the cases an honest sealer never writes. */
final class Frames {
    private Frames() {
    }

    /**
     * A properly encrypted frame whose header announces {@code announced} bytes, followed by a body of
     * {@code body.length} bytes encrypted under the next nonce. Nonce is the header nonce of this frame.
     */
    static byte[] frame(byte[] key, byte[] nonce, int announced, byte[] body) {
        byte[] bodyNonce = nonce.clone();
        BoxStreamSealer.increment(bodyNonce);
        byte[] cipher = new byte[body.length];
        byte[] mac = new byte[16];
        NativeSodium.require(SODIUM.crypto_secretbox_detached(cipher, mac, body, body.length, bodyNonce, key), "box");
        byte[] header = new byte[18];
        header[0] = (byte) (announced >>> 8);
        header[1] = (byte) announced;
        System.arraycopy(mac, 0, header, 2, 16);
        byte[] boxedHeader = new byte[34];
        NativeSodium.require(SODIUM.crypto_secretbox_easy(boxedHeader, header, 18, nonce, key), "box");
        return NativeSodium.concat(boxedHeader, cipher);
    }

    /** {@code nonce} plus {@code n}, big-endian. */
    static byte[] nonceAfter(byte[] nonce, int n) {
        byte[] out = nonce.clone();
        for (int i = 0; i < n; i++) {
            BoxStreamSealer.increment(out);
        }
        return out;
    }
}
