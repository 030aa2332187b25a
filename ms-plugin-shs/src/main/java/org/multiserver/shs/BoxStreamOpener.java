package org.multiserver.shs;

import io.netty.buffer.ByteBuf;

/**
 * Decrypts one direction of a box-stream, the mirror of {@link BoxStreamSealer}. It authenticates each header
 * before trusting the length in it, refuses bodies over 4096 bytes (JS would read any length up to 65535; we hold
 * peers to the limit every writer observes), and writes a body's plaintext only once its MAC verified. Not
 * thread-safe: one per channel.
 */
final class BoxStreamOpener {
    /** {@link #openHeader} result for the goodbye header. */
    static final int GOODBYE = -1;

    private final FrameScratch scratch;
    private long frames;

    BoxStreamOpener(byte[] key, byte[] nonce) {
        this.scratch = new FrameScratch(key, nonce);
    }

    /**
     * Reads and authenticates a 34-byte header from {@code in}.
     *
     * @return the body length that follows (0 to 4096), or {@link #GOODBYE}
     */
    int openHeader(ByteBuf in) throws BoxStreamException {
        scratch.requireOpen();
        int rc = DirectSodium.crypto_secretbox_open_easy(scratch.headerPlain,
                scratch.input(in, in.readerIndex(), BoxStreamSealer.HEADER_BYTES, true),
                BoxStreamSealer.HEADER_BYTES, scratch.headerNonce, scratch.key);
        in.skipBytes(BoxStreamSealer.HEADER_BYTES);
        if (rc != 0) {
            throw new BoxStreamException("shs: box-stream header " + (frames + 1) + " failed authentication"
                    + " (corrupted or forged data)");
        }
        // A plain loop: this runs per frame, and a JNA call costs more than 18 comparisons.
        int bits = 0;
        for (int i = 0; i < 18; i++) {
            bits |= scratch.view.get(FrameScratch.HEADER_PLAIN + i);
        }
        if (bits == 0) {
            return GOODBYE;
        }
        int length = ((scratch.view.get(FrameScratch.HEADER_PLAIN) & 0xff) << 8)
                | (scratch.view.get(FrameScratch.HEADER_PLAIN + 1) & 0xff);
        if (length > BoxStreamSealer.MAX_BODY_BYTES) {
            throw new BoxStreamException("shs: box-stream frame " + (frames + 1) + " announces a body of " + length
                    + " bytes, over the 4096-byte limit");
        }
        return length;
    }

    /**
     * Reads the body announced by the last header from {@code in}, authenticates it and writes the plaintext to
     * {@code out}. Nothing is written when authentication fails (libsodium checks the MAC before decrypting).
     */
    void openBody(ByteBuf in, int length, ByteBuf out) throws BoxStreamException {
        scratch.requireOpen();
        out.ensureWritable(length); // before taking addresses: growing may move the memory
        int rc = DirectSodium.crypto_secretbox_open_detached(scratch.bodyOutput(out, 0, false),
                scratch.input(in, in.readerIndex(), length, false), scratch.bodyMac, length, scratch.bodyNonce,
                scratch.key);
        in.skipBytes(length);
        if (rc != 0) {
            throw new BoxStreamException("shs: box-stream body " + (frames + 1) + " failed authentication"
                    + " (corrupted or forged data)");
        }
        scratch.commitPlain(out, length);
        frames++;
        scratch.nextFrame();
    }

    long frames() {
        return frames;
    }

    /** Wipes the key and plaintext and frees the native memory; the opener is unusable afterwards. */
    void wipe() {
        scratch.close();
    }
}
