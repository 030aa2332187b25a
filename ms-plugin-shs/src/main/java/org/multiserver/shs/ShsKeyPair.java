package org.multiserver.shs;

import static org.multiserver.shs.NativeSodium.SODIUM;

import java.util.Arrays;
import java.util.Objects;
import org.multiserver.spi.Identity;

/**
 * A long-term Ed25519 key pair: the identity a secret handshake proves. Immutable from the outside; the secret key
 * never leaves this module.
 */
public final class ShsKeyPair {
    private final byte[] publicKey;
    private final byte[] secretKey;

    private ShsKeyPair(byte[] publicKey, byte[] secretKey) {
        this.publicKey = publicKey;
        this.secretKey = secretKey;
    }

    /** A fresh random key pair. */
    public static ShsKeyPair generate() {
        byte[] pk = new byte[32];
        byte[] sk = new byte[64];
        NativeSodium.require(SODIUM.crypto_sign_keypair(pk, sk), "crypto_sign_keypair");
        return new ShsKeyPair(pk, sk);
    }

    /**
     * The key pair of a 32-byte seed ({@code crypto_sign_seed_keypair}), as the JS reference derives it for the
     * invite form {@code shs:<key>:<seed>}.
     */
    public static ShsKeyPair fromSeed(byte[] seed) {
        Objects.requireNonNull(seed, "seed");
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, got " + seed.length);
        }
        byte[] pk = new byte[32];
        byte[] sk = new byte[64];
        NativeSodium.require(SODIUM.crypto_sign_seed_keypair(pk, sk, seed.clone()), "crypto_sign_seed_keypair");
        return new ShsKeyPair(pk, sk);
    }

    /** The key pair of the platform's identity (its seed); the same identity gives the same key pair everywhere. */
    public static ShsKeyPair of(Identity identity) {
        byte[] seed = identity.seed();
        try {
            return fromSeed(seed);
        } finally {
            NativeSodium.wipe(seed);
        }
    }

    /** This key pair as the platform's identity, to share it with every authenticating transform. */
    public Identity identity() {
        return Identity.fromSeed(Arrays.copyOf(secretKey, 32));
    }

    /**
     * The key pair of a 64-byte libsodium secret key (seed followed by public key), as SSB secret files hold it.
     *
     * @throws IllegalArgumentException when the length is wrong or the public half does not match the seed
     */
    public static ShsKeyPair fromSecretKey(byte[] secretKey) {
        Objects.requireNonNull(secretKey, "secretKey");
        if (secretKey.length != 64) {
            throw new IllegalArgumentException("an Ed25519 secret key is 64 bytes, got " + secretKey.length);
        }
        ShsKeyPair derived = fromSeed(Arrays.copyOf(secretKey, 32));
        byte[] claimed = Arrays.copyOfRange(secretKey, 32, 64);
        if (!java.security.MessageDigest.isEqual(claimed, derived.publicKey)) {
            throw new IllegalArgumentException("the secret key's public half does not match its seed");
        }
        return derived;
    }

    /** The 32-byte public key (a copy). */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The public key in standard padded base64, as addresses print it. */
    public String publicKeyBase64() {
        return KeyText.format(publicKey);
    }

    /** The 64-byte secret key itself, not a copy: callers inside this module must not change it. */
    byte[] secretKeyUnsafe() {
        return secretKey;
    }

    /** The public key itself, not a copy: callers inside this module must not change it. */
    byte[] publicKeyUnsafe() {
        return publicKey;
    }

    @Override
    public String toString() {
        return "ShsKeyPair[" + publicKeyBase64() + "]";
    }
}
