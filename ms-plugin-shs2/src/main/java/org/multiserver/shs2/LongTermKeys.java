package org.multiserver.shs2;

import org.multiserver.spi.Identity;

/**
 * A long-term Ed25519 key pair: the public key, libsodium's 64-byte secret key (seed, then public key), and the
 * secret key's X25519 form, which every handshake needs and which is derived once here rather than per connection.
 */
final class LongTermKeys {
    final byte[] publicKey;
    final byte[] secretKey;
    private final byte[] curveSecret;

    private LongTermKeys(byte[] publicKey, byte[] secretKey) {
        this.publicKey = publicKey;
        this.secretKey = secretKey;
        this.curveSecret = Crypto.edSecretToX(secretKey);
    }

    /** EdSkToX of our secret key, a copy the caller wipes. */
    byte[] curveSecret() {
        return curveSecret.clone();
    }

    /** The key pair of a 32-byte seed (crypto_sign_seed_keypair), as every SSB implementation derives it. */
    static LongTermKeys fromSeed(byte[] seed) {
        if (seed.length != Crypto.KEY_BYTES) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, got " + seed.length);
        }
        byte[] pk = new byte[Crypto.KEY_BYTES];
        byte[] sk = new byte[2 * Crypto.KEY_BYTES];
        Crypto.require(Crypto.SODIUM.crypto_sign_seed_keypair(pk, sk, seed), "crypto_sign_seed_keypair");
        return new LongTermKeys(pk, sk);
    }

    static LongTermKeys of(Identity identity) {
        byte[] seed = identity.seed();
        try {
            return fromSeed(seed);
        } finally {
            Crypto.wipe(seed);
        }
    }

    String publicKeyBase64() {
        return KeyText.format(publicKey);
    }
}
