package org.multiserver.shs2;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * One direction of a Secret Channel: its key and current nonce in native memory, and the chunk operations on Netty
 * buffers. libsodium reads and writes direct buffers in place through their addresses; the callers make sure the
 * buffers are direct. The nonce is incremented after every chunk as a 12-byte little-endian number (libsodium's
 * {@code sodium_increment}, which the reference calls), in Java: no native call for it.
 */
final class ChannelCipher {
    /** Most content bytes in one chunk: the length is a u16, and 0 means end-of-stream. */
    static final int MAX_CONTENT = 65535;
    /** A length or end-of-stream chunk: 2 bytes and a tag. */
    static final int LENGTH_CHUNK = 2 + Crypto.TAG_BYTES;

    private static final int KEY = 0;
    private static final int NONCE = 32;
    private static final int LENGTH_PLAIN = 44;
    private static final int SIZE = 48;

    private final Memory memory = new Memory(SIZE);
    private final ByteBuffer view = memory.getByteBuffer(0, SIZE);
    private final Pointer key = memory.share(KEY, Crypto.KEY_BYTES);
    private final Pointer nonce = memory.share(NONCE, Crypto.NONCE_BYTES);
    private final Pointer lengthPlain = memory.share(LENGTH_PLAIN, 2);
    private long chunks;
    private boolean closed;

    ChannelCipher(byte[] key, byte[] nonce) {
        if (key.length != Crypto.KEY_BYTES || nonce.length != Crypto.NONCE_BYTES) {
            throw new IllegalArgumentException("a Secret Channel needs a 32-byte key and a 12-byte nonce");
        }
        memory.write(KEY, key, 0, key.length);
        memory.write(NONCE, nonce, 0, nonce.length);
    }

    /** Chunks encrypted or decrypted so far. */
    long chunks() {
        return chunks;
    }

    /** Appends the length chunk of {@code length} content bytes (0: end-of-stream) to {@code out} (direct). */
    void sealLength(int length, ByteBuf out) {
        view.put(LENGTH_PLAIN, (byte) (length >>> 8)).put(LENGTH_PLAIN + 1, (byte) length); // u16 big-endian
        Crypto.encrypt(at(out, out.writerIndex()), lengthPlain, 2, nonce, key);
        out.writerIndex(out.writerIndex() + LENGTH_CHUNK);
        next();
    }

    /** Appends the content chunk of {@code length} bytes of {@code in} (direct) at {@code index} to {@code out}. */
    void sealContent(ByteBuf in, int index, int length, ByteBuf out) {
        Crypto.encrypt(at(out, out.writerIndex()), at(in, index), length, nonce, key);
        out.writerIndex(out.writerIndex() + length + Crypto.TAG_BYTES);
        next();
    }

    /**
     * Opens the length chunk at the reader index of {@code in} (direct) and skips it.
     *
     * @return the content length that follows, 0 for end-of-stream, -1 when the tag does not verify
     */
    int openLength(ByteBuf in) {
        if (!Crypto.decrypt(lengthPlain, at(in, in.readerIndex()), LENGTH_CHUNK, nonce, key)) {
            return -1;
        }
        in.skipBytes(LENGTH_CHUNK);
        next();
        return ((view.get(LENGTH_PLAIN) & 0xff) << 8) | (view.get(LENGTH_PLAIN + 1) & 0xff);
    }

    /**
     * Opens, in place, the content chunk of {@code length} bytes at the reader index of {@code in} (direct).
     *
     * @return false when the tag does not verify (libsodium then zeroes the plaintext)
     */
    boolean openContent(ByteBuf in, int length) {
        Pointer chunk = at(in, in.readerIndex());
        if (!Crypto.decrypt(chunk, chunk, length + Crypto.TAG_BYTES, nonce, key)) {
            return false;
        }
        next();
        return true;
    }

    private void next() {
        chunks++;
        for (int i = NONCE; i < NONCE + Crypto.NONCE_BYTES; i++) {
            byte b = (byte) (view.get(i) + 1);
            view.put(i, b);
            if (b != 0) {
                return; // no carry
            }
        }
    }

    /** The current nonce (tests). */
    byte[] nonce() {
        byte[] out = new byte[Crypto.NONCE_BYTES];
        memory.read(NONCE, out, 0, out.length);
        return out;
    }

    /** The native address of byte {@code index} of a direct buffer. */
    private static Pointer at(ByteBuf buf, int index) {
        if (buf.hasMemoryAddress()) {
            return new Pointer(buf.memoryAddress() + index);
        }
        return Native.getDirectBufferPointer(buf.nioBuffer(index, 1));
    }

    /** Zeroes the key and nonce, then frees the memory; nothing may use this afterwards. */
    void close() {
        if (!closed) {
            closed = true;
            memory.clear();
            memory.close();
        }
    }
}
