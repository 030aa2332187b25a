package org.multiserver.shs;

import com.goterl.lazysodium.Sodium;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.utils.LibraryLoader;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one libsodium binding of this module, and the checked wrappers the handshake needs.
 *
 * <p>We call Lazysodium's direct-mapped {@link Sodium} methods rather than its "lazy" string API: that API
 * hex-encodes and allocates on every call. Two rules of direct-mapped JNA shape every call here: each array argument
 * is copied in and out whole (so arrays are sized exactly; a larger array costs a larger copy), and one array must
 * never be both input and output (the copy-back of the input overwrites the output: the call returns success and the
 * output is unchanged).
 */
final class NativeSodium {
    /**
     * Set to {@code bundled} to use the libsodium inside the Lazysodium jar even when the system has one (the
     * default, {@code system-first}, is Lazysodium's own order).
     */
    static final String LIBRARY_PROPERTY = "org.multiserver.shs.sodium";

    /** libsodium, as Lazysodium binds it; {@code sodium_init} runs on registration. */
    static final Sodium SODIUM = load();

    static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 24;
    static final int MAC_BYTES = 16;
    static final int SIGNATURE_BYTES = 64;

    private static final int CURVE_CACHE_SIZE = 1024;
    /** Recent Ed25519-to-X25519 public key conversions, most recently used last; see {@link #curvePublicKey}. */
    private static final Map<ByteBuffer, byte[]> CURVE_CACHE = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, byte[]> eldest) {
            return size() > CURVE_CACHE_SIZE;
        }
    };

    private NativeSodium() {
    }

    /**
     * Loads libsodium the way Lazysodium does by default (the system's library if there is one, else the copy
     * bundled in the Lazysodium jar), but by a path we know, so {@link DirectSodium} can be bound to the very same
     * library: one libsodium, initialised once.
     */
    private static Sodium load() {
        if (!"bundled".equals(System.getProperty(LIBRARY_PROPERTY, "system-first"))) {
            try {
                Sodium system = new SodiumJava(LibraryLoader.Mode.SYSTEM_ONLY);
                Native.register(DirectSodium.class, "sodium");
                return system;
            } catch (RuntimeException | LinkageError noSystemLibrary) {
                // fall through to the bundled copy, as Lazysodium does
            }
        }
        String bundled = extractBundled();
        Sodium sodium = new SodiumJava(bundled);
        Native.register(DirectSodium.class, bundled);
        return sodium;
    }

    /** Copies the library bundled in the Lazysodium jar to a temporary file (removed when the JVM exits). */
    private static String extractBundled() {
        String resource = LibraryLoader.getSodiumPathInResources();
        try (InputStream in = Sodium.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("no libsodium on this system and none bundled for it (" + resource
                        + ")");
            }
            Path dir = Files.createTempDirectory("multiserver-sodium");
            Path library = dir.resolve(Path.of(resource).getFileName().toString());
            Files.copy(in, library);
            library.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return library.toAbsolutePath().toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract the bundled libsodium: " + e, e);
        }
    }

    /** Throws when a libsodium call that cannot fail on valid input failed anyway: a bug or a broken library. */
    static void require(int rc, String call) {
        if (rc != 0) {
            throw new IllegalStateException("libsodium " + call + " failed (" + rc + ")");
        }
    }

    /**
     * X25519 of {@code secretKey} and {@code publicKey}, or null when the peer's key is of low order. libsodium
     * 1.0.18 already returns -1 when the result is all zeros; the explicit zero check keeps that guarantee if the
     * bundled library ever changes.
     */
    static byte[] scalarMult(byte[] secretKey, byte[] publicKey) {
        byte[] shared = new byte[KEY_BYTES];
        if (SODIUM.crypto_scalarmult(shared, secretKey, publicKey) != 0 || isZero(shared)) {
            wipe(shared);
            return null;
        }
        return shared;
    }

    /**
     * The X25519 form of an Ed25519 public key, or null when the key is not a valid point of the main subgroup.
     * The conversion includes libsodium's subgroup check, a full scalar multiplication: dearer than the rest of a
     * handshake's steps. Public keys are public and peers redial, so the last {@value #CURVE_CACHE_SIZE} valid
     * conversions are remembered; a flood of fresh keys only evicts entries.
     */
    static byte[] curvePublicKey(byte[] ed25519PublicKey) {
        ByteBuffer key = ByteBuffer.wrap(ed25519PublicKey.clone());
        synchronized (CURVE_CACHE) {
            byte[] known = CURVE_CACHE.get(key);
            if (known != null) {
                return known.clone();
            }
        }
        byte[] curve = new byte[KEY_BYTES];
        if (SODIUM.crypto_sign_ed25519_pk_to_curve25519(curve, ed25519PublicKey) != 0 || isZero(curve)) {
            return null;
        }
        synchronized (CURVE_CACHE) {
            CURVE_CACHE.put(key, curve.clone());
        }
        return curve;
    }

    /** The X25519 form of an Ed25519 secret key (64 bytes); the caller wipes the result. */
    static byte[] curveSecretKey(byte[] ed25519SecretKey) {
        byte[] curve = new byte[KEY_BYTES];
        require(SODIUM.crypto_sign_ed25519_sk_to_curve25519(curve, ed25519SecretKey), "sk_to_curve25519");
        return curve;
    }

    /** HMAC-SHA-512-256 of {@code message} under {@code key} (libsodium's crypto_auth, as JS uses). */
    static byte[] auth(byte[] message, byte[] key) {
        byte[] mac = new byte[KEY_BYTES];
        require(SODIUM.crypto_auth(mac, message, message.length, key), "crypto_auth");
        return mac;
    }

    /** Constant-time check of an HMAC-SHA-512-256 tag. */
    static boolean authVerify(byte[] mac, byte[] message, byte[] key) {
        return SODIUM.crypto_auth_verify(mac, message, message.length, key) == 0;
    }

    static byte[] sha256(byte[] message) {
        byte[] out = new byte[KEY_BYTES];
        require(SODIUM.crypto_hash_sha256(out, message, message.length), "crypto_hash_sha256");
        return out;
    }

    /** SHA-256 of the concatenation of {@code parts}; the concatenation is wiped. */
    static byte[] sha256(byte[]... parts) {
        byte[] joined = concat(parts);
        try {
            return sha256(joined);
        } finally {
            wipe(joined);
        }
    }

    static byte[] sign(byte[] message, byte[] secretKey) {
        byte[] signature = new byte[SIGNATURE_BYTES];
        require(SODIUM.crypto_sign_detached(signature, null, message, message.length, secretKey),
                "crypto_sign_detached");
        return signature;
    }

    /** Verifies an Ed25519 signature; libsodium rejects small-order and non-canonical keys and signatures. */
    static boolean verify(byte[] signature, byte[] message, byte[] publicKey) {
        return SODIUM.crypto_sign_verify_detached(signature, message, message.length, publicKey) == 0;
    }

    /** secretbox of {@code message} with the all-zero nonce, as the handshake's messages 3 and 4 use. */
    static byte[] secretBoxZeroNonce(byte[] message, byte[] key) {
        byte[] boxed = new byte[MAC_BYTES + message.length];
        require(SODIUM.crypto_secretbox_easy(boxed, message, message.length, new byte[NONCE_BYTES], key),
                "crypto_secretbox_easy");
        return boxed;
    }

    /** Opens a secretbox made with the all-zero nonce, or returns null when the MAC does not verify. */
    static byte[] secretOpenZeroNonce(byte[] boxed, byte[] key) {
        byte[] message = new byte[boxed.length - MAC_BYTES];
        if (SODIUM.crypto_secretbox_open_easy(message, boxed, boxed.length, new byte[NONCE_BYTES], key) != 0) {
            return null;
        }
        return message;
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
     * Overwrites secrets once they are no longer needed, so a heap dump or a later bug cannot reveal them. This is
     * best effort: the JVM may have copied an array while compacting the heap, and JNA frees (without wiping) the
     * transient native copies it makes for each call.
     */
    static void wipe(byte[]... secrets) {
        for (byte[] secret : secrets) {
            if (secret != null) {
                java.util.Arrays.fill(secret, (byte) 0);
            }
        }
    }
}
