package org.multiserver.bench.sodium;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The channel ciphers of shs and shs2 bound as their codecs bind them (JNA direct mapping, native pointers, no array
 * copies), on the library both plugins load first: the system's libsodium. What a call costs here is libsodium's
 * own cost plus one direct JNA call, the floor under any codec built on it.
 */
final class Libsodium {
    /** The file JNA loaded, for the record. */
    static final String FILE;

    static {
        NativeLibrary library = NativeLibrary.getInstance("sodium");
        FILE = library.getFile().getAbsolutePath();
        Native.register(Libsodium.class, library);
        if (sodium_init() < 0) {
            throw new IllegalStateException("sodium_init failed");
        }
    }

    private Libsodium() {
    }

    static native int sodium_init();

    static native String sodium_version_string();

    static native int crypto_aead_chacha20poly1305_ietf_encrypt(Pointer c, Pointer clen, Pointer m, long mlen,
                                                                Pointer ad, long adlen, Pointer nsec, Pointer npub,
                                                                Pointer k);

    static native int crypto_aead_chacha20poly1305_ietf_decrypt(Pointer m, Pointer mlen, Pointer nsec, Pointer c,
                                                                long clen, Pointer ad, long adlen, Pointer npub,
                                                                Pointer k);

    static native int crypto_secretbox_easy(Pointer c, Pointer m, long mlen, Pointer n, Pointer k);

    static native int crypto_secretbox_open_easy(Pointer m, Pointer c, long clen, Pointer n, Pointer k);

    static native int crypto_secretbox_detached(Pointer c, Pointer mac, Pointer m, long mlen, Pointer n, Pointer k);

    static native int crypto_secretbox_open_detached(Pointer m, Pointer c, Pointer mac, long clen, Pointer n,
                                                     Pointer k);
}
