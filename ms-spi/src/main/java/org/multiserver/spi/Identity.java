package org.multiserver.spi;

import java.io.IOException;
import java.nio.file.Path;
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

    /**
     * The identity in a key file: an SSB secret file ({@code ~/.ssb/secret}, JSON after {@code #} comment lines), or
     * base64 of a 32-byte seed or a 64-byte secret key. A 64-byte key whose public half is not its seed's is refused.
     *
     * @throws IOException naming the file, when it cannot be read or holds no key
     */
    public static Identity load(Path file) throws IOException {
        return IdentityFile.load(file);
    }

    /**
     * {@link #load}, or when {@code file} does not exist a fresh identity written there as an SSB secret file, owner
     * only from its first byte (the folder {@code rwx------} and the file {@code rw-------} as they are created).
     */
    public static Identity loadOrCreate(Path file) throws IOException {
        return IdentityFile.loadOrCreate(file);
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
