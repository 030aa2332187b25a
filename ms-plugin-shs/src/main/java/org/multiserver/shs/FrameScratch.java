package org.multiserver.shs;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;

/**
 * Native memory for one direction of a box-stream: key, nonces, the plain and encrypted header. Direct buffers are
 * passed to libsodium in place through re-aimed {@link Pointer}s, so a frame costs no JNA copy and no garbage. For
 * buffers libsodium cannot reach directly (heap or composite {@code ByteBuf}s) bodies go through a {@link Bodies}
 * area shared by every box-stream on the thread: it is used only within one {@code seal} or {@code open} call, and
 * zeroed after each, so an idle connection holds 192 bytes of native memory here instead of 8 KiB more.
 *
 * <p>Layout: key 32 | header nonce 24 | body nonce 24 | plain header 18 (length, then the body MAC) | encrypted
 * header 34. The body nonce is always the header nonce plus one.
 */
final class FrameScratch {
    static final int MAX_BODY = 4096;
    private static final int KEY = 0;
    private static final int HEADER_NONCE = 32;
    private static final int BODY_NONCE = 56;
    static final int HEADER_PLAIN = 80;
    private static final int HEADER_CIPHER = 98;
    private static final int SIZE = 192;

    /** One plain and one encrypted body area per thread; see the class comment. */
    private static final FastThreadLocal<Bodies> BODIES = new FastThreadLocal<>() {
        @Override
        protected Bodies initialValue() {
            return new Bodies();
        }

        @Override
        protected void onRemoval(Bodies bodies) {
            bodies.memory.close();
        }
    };

    private final Memory memory = new Memory(SIZE);
    /** The whole block as a direct buffer: small reads and writes without a JNI call each. */
    final ByteBuffer view = memory.getByteBuffer(0, SIZE);
    final Pointer key = memory.share(KEY, 32);
    final Pointer headerNonce = memory.share(HEADER_NONCE, 24);
    final Pointer bodyNonce = memory.share(BODY_NONCE, 24);
    final Pointer headerPlain = memory.share(HEADER_PLAIN, 18);
    /** Where the body MAC sits inside the plain header: libsodium writes and reads it there, no copying. */
    final Pointer bodyMac = memory.share(HEADER_PLAIN + 2, 16);
    final Pointer headerCipher = memory.share(HEADER_CIPHER, 34);
    private final ByteBuffer headerCipherView = view.slice(HEADER_CIPHER, 34);
    /** Re-aimed at ByteBuf memory for each call; never allocated per frame. */
    private final Pointer aimIn = new Pointer(0);
    private final Pointer aimOut = new Pointer(0);
    private final Pointer aimHeader = new Pointer(0);
    private boolean closed;

    /** A plain and an encrypted body, for buffers libsodium cannot reach in place. */
    private static final class Bodies {
        final Memory memory = new Memory(2L * MAX_BODY);
        final Pointer plain = memory.share(0, MAX_BODY);
        final Pointer cipher = memory.share(MAX_BODY, MAX_BODY);
        final ByteBuffer plainView = memory.getByteBuffer(0, MAX_BODY);
        final ByteBuffer cipherView = memory.getByteBuffer(MAX_BODY, MAX_BODY);
    }

    FrameScratch(byte[] key, byte[] nonce) {
        if (key.length != NativeSodium.KEY_BYTES || nonce.length != NativeSodium.NONCE_BYTES) {
            throw new IllegalArgumentException("box-stream needs a 32-byte key and a 24-byte nonce");
        }
        view.put(KEY, key);
        view.put(HEADER_NONCE, nonce);
        view.put(BODY_NONCE, nonce);
        add(BODY_NONCE, 1);
    }

    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("box-stream closed"); // its native memory is gone: never touch it
        }
    }

    /** Where libsodium reads {@code length} bytes of {@code in} from {@code index}: in place, or copied here. */
    Pointer input(ByteBuf in, int index, int length, boolean header) {
        if (in.hasMemoryAddress()) {
            Pointer.nativeValue(aimIn, in.memoryAddress() + index);
            return aimIn;
        }
        if (header) {
            in.getBytes(index, headerCipherView.clear().limit(length));
            return headerCipher;
        }
        Bodies bodies = BODIES.get();
        in.getBytes(index, bodies.cipherView.clear().limit(length));
        return bodies.cipher;
    }

    /** The plaintext of {@code src} for encryption: in place, or copied here (call {@link #wipePlain} after). */
    Pointer plainInput(ByteBuf src, int index, int length) {
        if (src.hasMemoryAddress()) {
            Pointer.nativeValue(aimIn, src.memoryAddress() + index);
            return aimIn;
        }
        Bodies bodies = BODIES.get();
        src.getBytes(index, bodies.plainView.clear().limit(length));
        return bodies.plain;
    }

    /** Zeroes plaintext {@link #plainInput} copied into the thread's shared area, if it did. */
    void wipePlain(ByteBuf src, int length) {
        if (!src.hasMemoryAddress()) {
            BODIES.get().plain.clear(length);
        }
    }

    /** Where libsodium writes the body into {@code out} at its writer index, or our scratch when it cannot. */
    Pointer bodyOutput(ByteBuf out, int offsetFromWriter, boolean encrypted) {
        if (out.hasMemoryAddress()) {
            Pointer.nativeValue(aimOut, out.memoryAddress() + out.writerIndex() + offsetFromWriter);
            return aimOut;
        }
        Bodies bodies = BODIES.get();
        return encrypted ? bodies.cipher : bodies.plain;
    }

    /** Where libsodium writes the encrypted header into {@code out} at its writer index, or our scratch. */
    Pointer headerOutput(ByteBuf out) {
        if (out.hasMemoryAddress()) {
            Pointer.nativeValue(aimHeader, out.memoryAddress() + out.writerIndex());
            return aimHeader;
        }
        return headerCipher;
    }

    /** Completes a write begun with {@link #headerOutput} and {@link #bodyOutput}. */
    void commitFrame(ByteBuf out, int bodyLength) {
        if (out.hasMemoryAddress()) {
            out.writerIndex(out.writerIndex() + BoxStreamSealer.HEADER_BYTES + bodyLength);
        } else {
            out.writeBytes(headerCipherView.clear());
            out.writeBytes(BODIES.get().cipherView.clear().limit(bodyLength));
        }
    }

    /** Completes a body decryption begun with {@link #bodyOutput}; plaintext does not stay in the shared area. */
    void commitPlain(ByteBuf out, int length) {
        if (out.hasMemoryAddress()) {
            out.writerIndex(out.writerIndex() + length);
        } else {
            Bodies bodies = BODIES.get();
            out.writeBytes(bodies.plainView.clear().limit(length));
            bodies.plain.clear(length);
        }
    }

    /** Moves both nonces on by two: one frame used n (header) and n + 1 (body). */
    void nextFrame() {
        add(HEADER_NONCE, 2);
        add(BODY_NONCE, 2);
    }

    /**
     * Adds to a nonce read as a big-endian number, as JS {@code increment-buffer} does; libsodium's
     * {@code sodium_increment} is little-endian and would desynchronise us from every other implementation.
     */
    private void add(int offset, int amount) {
        int carry = amount;
        for (int i = offset + 23; i >= offset && carry != 0; i--) {
            int sum = (view.get(i) & 0xff) + carry;
            view.put(i, (byte) sum);
            carry = sum >>> 8;
        }
    }

    byte[] headerNonceCopy() {
        byte[] out = new byte[24];
        view.get(HEADER_NONCE, out);
        return out;
    }

    /** Zeroes the key, nonces and header plaintext, then frees the memory; nothing may use this afterwards. */
    void close() {
        if (!closed) {
            closed = true;
            memory.clear();
            memory.close();
        }
    }
}
