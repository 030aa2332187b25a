package org.multiserver.shs2;

import com.goterl.lazysodium.Sodium;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.utils.LibraryLoader;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The primitives of shs2 (SHS2.md section 1), every libsodium return code checked. The handshake calls go through
 * Lazysodium's direct-mapped {@link Sodium} on byte arrays, which JNA copies in and out whole, so arrays are sized
 * exactly and no array is both input and output. The Secret Channel's two AEAD calls, which carry up to 64 KiB each,
 * take native pointers instead ({@link #encrypt(Pointer, Pointer, long, Pointer, Pointer)}), so libsodium reads and
 * writes Netty's direct buffers in place.
 *
 * <p>One libsodium for both: the system's when it has one (Lazysodium's own order), else the copy inside the
 * Lazysodium jar, extracted once by JNA.
 */
final class Crypto {
    static final int KEY_BYTES = 32;
    static final int SIGNATURE_BYTES = 64;
    static final int TAG_BYTES = 16;
    static final int NONCE_BYTES = 12;

    private static final String LIBRARY = libraryPath();
    static final Sodium SODIUM = new SodiumJava(LIBRARY);

    static {
        Native.register(Crypto.class, LIBRARY);
    }

    private Crypto() {
    }

    private static String libraryPath() {
        try {
            return NativeLibrary.getInstance("sodium").getFile().getAbsolutePath();
        } catch (UnsatisfiedLinkError noSystemLibrary) {
            String resource = "/" + LibraryLoader.getSodiumPathInResources();
            try {
                return Native.extractFromResourcePath(resource, Sodium.class.getClassLoader()).getAbsolutePath();
            } catch (IOException e) {
                throw new IllegalStateException("no libsodium on this system, and the one bundled in Lazysodium ("
                        + resource + ") cannot be extracted: " + e.getMessage(), e);
            }
        }
    }

    // The Secret Channel's calls, on native memory (JNA direct mapping: no array copies).
    private static native int crypto_aead_chacha20poly1305_ietf_encrypt(Pointer c, Pointer clen, Pointer m, long mlen,
                                                                        Pointer ad, long adlen, Pointer nsec,
                                                                        Pointer npub, Pointer k);

    private static native int crypto_aead_chacha20poly1305_ietf_decrypt(Pointer m, Pointer mlen, Pointer nsec,
                                                                        Pointer c, long clen, Pointer ad, long adlen,
                                                                        Pointer npub, Pointer k);

    /** ChaCha20-Poly1305 (IETF) of {@code length} bytes at {@code plain} into {@code cipher}: ciphertext, then tag. */
    static void encrypt(Pointer cipher, Pointer plain, long length, Pointer nonce, Pointer key) {
        require(crypto_aead_chacha20poly1305_ietf_encrypt(cipher, null, plain, length, null, 0, null, nonce, key),
                "crypto_aead_chacha20poly1305_ietf_encrypt");
    }

    /** Opens {@code length} bytes of ciphertext and tag into {@code plain} (may be {@code cipher}); false on a bad tag. */
    static boolean decrypt(Pointer plain, Pointer cipher, long length, Pointer nonce, Pointer key) {
        return crypto_aead_chacha20poly1305_ietf_decrypt(plain, null, null, cipher, length, null, 0, nonce, key) == 0;
    }

    /** Throws when a call that cannot fail on valid input failed anyway: a bug or a broken library. */
    static void require(int rc, String call) {
        if (rc != 0) {
            throw new IllegalStateException("libsodium " + call + " failed (" + rc + ")");
        }
    }

    /** Hash: SHA-256 of the concatenation of {@code parts}. */
    static byte[] hash(byte[]... parts) {
        byte[] joined = concat(parts);
        byte[] out = new byte[KEY_BYTES];
        try {
            require(SODIUM.crypto_hash_sha256(out, joined, joined.length), "crypto_hash_sha256");
            return out;
        } finally {
            wipe(joined);
        }
    }

    /** Auth: HMAC-SHA-512 truncated to 32 bytes (crypto_auth). */
    static byte[] auth(byte[] key, byte[] message) {
        byte[] tag = new byte[KEY_BYTES];
        require(SODIUM.crypto_auth(tag, message, message.length, key), "crypto_auth");
        return tag;
    }

    /** AuthVerify, in constant time. */
    static boolean authVerify(byte[] key, byte[] message, byte[] tag) {
        return SODIUM.crypto_auth_verify(tag, message, message.length, key) == 0;
    }

    /**
     * DH: X25519, or null when the result is all zeros (the peer's point has low order). libsodium already fails
     * then; the explicit check keeps the guarantee whatever library is loaded (SHS2.md section 5, item 3).
     */
    static byte[] dh(byte[] secret, byte[] publicKey) {
        byte[] shared = new byte[KEY_BYTES];
        if (SODIUM.crypto_scalarmult(shared, secret, publicKey) != 0 || isZero(shared)) {
            wipe(shared);
            return null;
        }
        return shared;
    }

    static byte[] dhBase(byte[] secret) {
        byte[] publicKey = new byte[KEY_BYTES];
        require(SODIUM.crypto_scalarmult_base(publicKey, secret), "crypto_scalarmult_base");
        return publicKey;
    }

    /**
     * EdPkToX, or null for a small-order or non-canonical Ed25519 key (libsodium's checks). The conversion includes
     * libsodium's subgroup check, a full scalar multiplication, the dearest step of a handshake after the DHs; public
     * keys are public and peers redial (a client converts the server key when it parses the address and again for
     * message 3), so the last {@value #CURVE_CACHE_SIZE} valid conversions are remembered. A flood of fresh keys
     * only evicts entries.
     */
    static byte[] edPublicToX(byte[] edPublicKey) {
        ByteBuffer key = ByteBuffer.wrap(edPublicKey.clone());
        synchronized (CURVE_CACHE) {
            byte[] known = CURVE_CACHE.get(key);
            if (known != null) {
                return known.clone();
            }
        }
        byte[] x = new byte[KEY_BYTES];
        if (SODIUM.crypto_sign_ed25519_pk_to_curve25519(x, edPublicKey) != 0 || isZero(x)) {
            return null;
        }
        synchronized (CURVE_CACHE) {
            CURVE_CACHE.put(key, x.clone());
        }
        return x;
    }

    private static final int CURVE_CACHE_SIZE = 1024;
    /** Recent Ed25519-to-X25519 public key conversions, most recently used last; see {@link #edPublicToX}. */
    private static final Map<ByteBuffer, byte[]> CURVE_CACHE = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, byte[]> eldest) {
            return size() > CURVE_CACHE_SIZE;
        }
    };

    /** EdSkToX of a 64-byte Ed25519 secret key; the caller wipes the result. */
    static byte[] edSecretToX(byte[] edSecretKey) {
        byte[] x = new byte[KEY_BYTES];
        require(SODIUM.crypto_sign_ed25519_sk_to_curve25519(x, edSecretKey), "crypto_sign_ed25519_sk_to_curve25519");
        return x;
    }

    static byte[] sign(byte[] edSecretKey, byte[] message) {
        byte[] signature = new byte[SIGNATURE_BYTES];
        require(SODIUM.crypto_sign_detached(signature, null, message, message.length, edSecretKey),
                "crypto_sign_detached");
        return signature;
    }

    /** Ed25519 verification with libsodium's rules: small-order A and R, non-canonical A and S >= L are rejected. */
    static boolean verify(byte[] edPublicKey, byte[] message, byte[] signature) {
        return SODIUM.crypto_sign_verify_detached(signature, message, message.length, edPublicKey) == 0;
    }

    /** Encrypt with the all-zero nonce, for messages 3 and 4 (each key encrypts exactly one message). */
    static byte[] encryptZeroNonce(byte[] key, byte[] plain) {
        byte[] cipher = new byte[plain.length + TAG_BYTES];
        long[] length = new long[1];
        require(SODIUM.crypto_aead_chacha20poly1305_ietf_encrypt(cipher, length, plain, plain.length, null, 0, null,
                new byte[NONCE_BYTES], key), "crypto_aead_chacha20poly1305_ietf_encrypt");
        return cipher;
    }

    /** Decrypt with the all-zero nonce, or null when the tag does not verify. */
    static byte[] decryptZeroNonce(byte[] key, byte[] cipher) {
        byte[] plain = new byte[cipher.length - TAG_BYTES];
        long[] length = new long[1];
        if (SODIUM.crypto_aead_chacha20poly1305_ietf_decrypt(plain, length, null, cipher, cipher.length, null, 0,
                new byte[NONCE_BYTES], key) != 0) {
            return null;
        }
        return plain;
    }

    /** 32 bytes from libsodium's CSPRNG. */
    static byte[] random32() {
        byte[] out = new byte[KEY_BYTES];
        SODIUM.randombytes_buf(out, out.length);
        return out;
    }

    static boolean isZero(byte[] bytes) {
        return SODIUM.sodium_is_zero(bytes, bytes.length) == 1;
    }

    static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    /**
     * Overwrites secrets once used. Best effort: the JVM may have copied an array while compacting, and JNA frees
     * its transient native copies without wiping them.
     */
    static void wipe(byte[]... secrets) {
        for (byte[] secret : secrets) {
            if (secret != null) {
                Arrays.fill(secret, (byte) 0);
            }
        }
    }
}
