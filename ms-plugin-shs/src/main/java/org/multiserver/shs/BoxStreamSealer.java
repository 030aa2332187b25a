package org.multiserver.shs;

import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;

/**
 * Encrypts one direction of a box-stream (pull-box-stream 1.0.13), frame by frame. A frame is a 34-byte header,
 * {@code secretbox([body length, 2 bytes BE][body MAC, 16 bytes])} under nonce n, followed by the body encrypted
 * under nonce n+1 without its MAC (the MAC travels in the header); the next frame starts at n+2. The goodbye is a
 * header whose 18 plain bytes are all zero.
 *
 * <p>Speed: this is the hot path. libsodium reads the plaintext from a direct source buffer and writes header and
 * body straight into the (direct) output buffer; see {@link FrameScratch}. Not thread-safe: one per channel.
 */
final class BoxStreamSealer {
    static final int HEADER_BYTES = 34;
    static final int MAX_BODY_BYTES = FrameScratch.MAX_BODY;
    private static final int HEADER_PLAIN_BYTES = 18;

    private final FrameScratch scratch;
    private boolean ended;

    BoxStreamSealer(byte[] key, byte[] nonce) {
        this.scratch = new FrameScratch(key, nonce);
    }

    /** Bytes {@link #seal} writes for a plaintext of {@code length} bytes. */
    static int sealedLength(int length) {
        int frames = (length + MAX_BODY_BYTES - 1) / MAX_BODY_BYTES;
        return length + frames * HEADER_BYTES;
    }

    /**
     * Encrypts {@code length} bytes of {@code src} from {@code index} (reader index untouched) into {@code out} as
     * frames of at most 4096 bytes each. Writes nothing for an empty range: JS never sends an empty frame either.
     */
    void seal(ByteBuf src, int index, int length, ByteBuf out) {
        if (ended) {
            throw new IllegalStateException("box-stream already ended");
        }
        scratch.requireOpen();
        out.ensureWritable(sealedLength(length)); // before taking addresses: growing may move the memory
        int at = index;
        int remaining = length;
        while (remaining > 0) {
            int body = Math.min(remaining, MAX_BODY_BYTES);
            sealFrame(src, at, body, out);
            at += body;
            remaining -= body;
        }
    }

    private void sealFrame(ByteBuf src, int index, int length, ByteBuf out) {
        Pointer plain = scratch.plainInput(src, index, length);
        Pointer cipher = scratch.bodyOutput(out, HEADER_BYTES, true);
        // The MAC lands inside the plain header, right behind the length.
        NativeSodium.require(DirectSodium.crypto_secretbox_detached(cipher, scratch.bodyMac, plain, length,
                scratch.bodyNonce, scratch.key), "crypto_secretbox_detached");
        scratch.wipePlain(src, length);
        scratch.view.put(FrameScratch.HEADER_PLAIN, (byte) (length >>> 8));
        scratch.view.put(FrameScratch.HEADER_PLAIN + 1, (byte) length);
        NativeSodium.require(DirectSodium.crypto_secretbox_easy(scratch.headerOutput(out), scratch.headerPlain,
                HEADER_PLAIN_BYTES, scratch.headerNonce, scratch.key), "crypto_secretbox_easy");
        scratch.commitFrame(out, length);
        scratch.nextFrame();
    }

    /** Writes the goodbye header; nothing may be sealed after it. */
    void goodbye(ByteBuf out) {
        if (ended) {
            throw new IllegalStateException("box-stream already ended");
        }
        scratch.requireOpen();
        ended = true;
        for (int i = 0; i < HEADER_PLAIN_BYTES; i++) {
            scratch.view.put(FrameScratch.HEADER_PLAIN + i, (byte) 0);
        }
        out.ensureWritable(HEADER_BYTES);
        NativeSodium.require(DirectSodium.crypto_secretbox_easy(scratch.headerOutput(out), scratch.headerPlain,
                HEADER_PLAIN_BYTES, scratch.headerNonce, scratch.key), "crypto_secretbox_easy");
        scratch.commitFrame(out, 0);
    }

    boolean ended() {
        return ended;
    }

    /** Wipes the key and plaintext and frees the native memory; the sealer is unusable afterwards. */
    void wipe() {
        scratch.close();
    }

    /** Adds one to a nonce read as a big-endian number (tests build frames by hand with it). */
    static void increment(byte[] nonce) {
        for (int i = nonce.length - 1; i >= 0; i--) {
            if (++nonce[i] != 0) {
                return;
            }
        }
    }
}
