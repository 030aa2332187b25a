package org.multiserver.shs;

import com.sun.jna.Pointer;

/**
 * The four libsodium calls of the box-stream hot path, taking native pointers instead of Java arrays.
 *
 * <p>Lazysodium's {@code Sodium} methods take {@code byte[]}, which JNA copies into native memory and back out on
 * every call, whole. For a 4096-byte frame that is four 4 KiB copies and two allocations per direction, on top of
 * the copies between the arrays and Netty's buffers. With pointers libsodium reads the plaintext straight from the
 * application's direct {@code ByteBuf} and writes the ciphertext straight into the outgoing one. Registered by
 * {@link NativeSodium} against the same library Lazysodium loaded, so there is one libsodium in the process.
 */
final class DirectSodium {
    static {
        // NativeSodium's initialisation binds these methods (JNA's usual idiom of registering in the class's own
        // static initialiser, reached the other way round when NativeSodium is first).
        NativeSodium.SODIUM.getClass();
    }

    private DirectSodium() {
    }

    static native int crypto_secretbox_easy(Pointer c, Pointer m, long mlen, Pointer n, Pointer k);

    static native int crypto_secretbox_open_easy(Pointer m, Pointer c, long clen, Pointer n, Pointer k);

    static native int crypto_secretbox_detached(Pointer c, Pointer mac, Pointer m, long mlen, Pointer n, Pointer k);

    static native int crypto_secretbox_open_detached(Pointer m, Pointer c, Pointer mac, long clen, Pointer n,
                                                     Pointer k);
}
