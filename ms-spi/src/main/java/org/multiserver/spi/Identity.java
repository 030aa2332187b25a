package org.multiserver.spi;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * The long-term Ed25519 identity of a server: one per {@code MultiServer}, shared by every transform that proves who
 * we are ({@code shs}, {@code shs2}), so a server has one key whatever protocols it speaks. It holds only the 32-byte
 * seed; each transform derives its key pair with its own crypto library ({@code crypto_sign_seed_keypair}), which
 * keeps this SPI free of crypto dependencies.
 */
public final class Identity {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] seed;

    private Identity(byte[] seed) {
        this.seed = seed;
    }

    /** A fresh identity: 32 bytes from the system's CSPRNG, as {@code crypto_sign_keypair} draws its seed. */
    public static Identity generate() {
        byte[] seed = new byte[32];
        RANDOM.nextBytes(seed);
        return new Identity(seed);
    }

    /** The identity of a 32-byte Ed25519 seed (the first half of libsodium's 64-byte secret key); copied. */
    public static Identity fromSeed(byte[] seed) {
        Objects.requireNonNull(seed, "seed");
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, got " + seed.length);
        }
        return new Identity(seed.clone());
    }

    /** A copy of the secret seed; the caller wipes it once its key pair is derived. */
    public byte[] seed() {
        return seed.clone();
    }

    /** Equal when the seeds are, compared in constant time. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Identity other && java.security.MessageDigest.isEqual(seed, other.seed);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(seed);
    }

    /** Never the seed: it is the server's secret. */
    @Override
    public String toString() {
        return "Identity[secret]";
    }
}
