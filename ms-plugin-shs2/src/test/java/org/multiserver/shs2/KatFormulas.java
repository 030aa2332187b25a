package org.multiserver.shs2;

import static org.multiserver.shs2.Crypto.auth;
import static org.multiserver.shs2.Crypto.concat;
import static org.multiserver.shs2.Crypto.hash;

import java.util.Objects;

/**
 * One shs2 session computed straight from the formulas of SHS2.md section 2 with Crypto's primitives, not with
 * {@link SecretHandshake2}: the arithmetic of the scripted peers of the handshakeFailures vectors, which take an
 * honest value and change one thing. Names as in SHS2.md.
 */
final class KatFormulas {
    final byte[] n;
    final LongTermKeys a;
    final LongTermKeys b;
    final byte[] as;
    final byte[] bs;
    final byte[] ap;
    final byte[] bp;
    final byte[] ab;
    final byte[] k2;
    final byte[] id;
    final byte[] aB;
    final byte[] k3;
    final byte[] sig3;
    final byte[] payload;
    final byte[] pt3;
    final byte[] Ab;
    final byte[] k4;
    final byte[] sig4;
    final byte[] msg1;
    final byte[] msg2;
    final byte[] msg3;
    final byte[] msg4;

    /**
     * @param payload 32 bytes, or null for none (sent as zeros)
     */
    KatFormulas(byte[] n, LongTermKeys a, byte[] as, LongTermKeys b, byte[] bs, byte[] payload) {
        this.n = n;
        this.a = a;
        this.b = b;
        this.as = as;
        this.bs = bs;
        ap = Crypto.dhBase(as);
        bp = Crypto.dhBase(bs);
        ab = Objects.requireNonNull(Crypto.dh(as, bp));
        k2 = hash(n, ab);
        msg1 = hello(n, ap);
        msg2 = concat(bp, auth(k2, bp));
        id = hash(ab, ap, bp);
        aB = Objects.requireNonNull(Crypto.dh(as, Crypto.edPublicToX(b.publicKey)));
        k3 = hash(n, ab, aB, ap, bp);
        sig3 = Crypto.sign(a.secretKey, proof3(n, b.publicKey));
        this.payload = payload == null ? new byte[32] : payload;
        pt3 = concat(sig3, a.publicKey, this.payload);
        msg3 = Crypto.encryptZeroNonce(k3, pt3);
        Ab = Objects.requireNonNull(Crypto.dh(bs, Crypto.edPublicToX(a.publicKey)));
        k4 = hash(n, ab, aB, Ab, ap, bp);
        sig4 = Crypto.sign(b.secretKey, proof4());
        msg4 = Crypto.encryptZeroNonce(k4, sig4);
    }

    /** Message 1 of ephemeral key {@code ap}: {@code ap || Auth(N, ap)}. */
    static byte[] hello(byte[] n, byte[] ap) {
        return concat(ap, auth(n, ap));
    }

    /** proof3 with a network key and server key of our choice: {@code N || B_p || handshake_id}. */
    byte[] proof3(byte[] networkKey, byte[] serverKey) {
        return concat(networkKey, serverKey, id);
    }

    /** proof4, 160 bytes: {@code N || sig3 || A_p || handshake_id}. */
    byte[] proof4() {
        return concat(n, sig3, a.publicKey, id);
    }

    /** Message 3 with the honest k3 around a plaintext of our choice. */
    byte[] authenticate(byte[] signature, byte[] clientKey, byte[] payload) {
        return Crypto.encryptZeroNonce(k3, concat(signature, clientKey, payload));
    }

    /** Message 4 with the honest k4 around a signature of our choice. */
    byte[] accept(byte[] signature) {
        return Crypto.encryptZeroNonce(k4, signature);
    }

    static byte[] flipBit0(byte[] message, int index) {
        byte[] out = message.clone();
        out[index] ^= 1;
        return out;
    }
}
