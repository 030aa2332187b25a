package org.multiserver.tck;

import io.netty.buffer.ByteBuf;

/**
 * The bytes the kit sends: a pseudo-random sequence where every position has its own value, so a receiver can check
 * each byte where it lands and tell a lost, repeated or reordered chunk from the right one. Random-looking content
 * also keeps compressing transforms honest (they cannot shrink it to nothing).
 */
final class BytePattern {
    private final long seed;

    BytePattern(long seed) {
        this.seed = seed;
    }

    long seed() {
        return seed;
    }

    /** The byte at {@code position}. */
    byte at(long position) {
        return (byte) (block(position >>> 3) >>> ((position & 7) << 3));
    }

    /**
     * Appends {@code length} bytes starting at {@code position} to {@code out}, in one bulk write: with leak
     * detection at PARANOID every single-byte access on a buffer records a stack trace.
     */
    void writeTo(ByteBuf out, long position, int length) {
        byte[] bytes = new byte[length];
        long p = position;
        int i = 0;
        while (i < length) {
            long bits = block(p >>> 3);
            for (int shift = (int) ((p & 7) << 3); shift < 64 && i < length; shift += 8, p++, i++) {
                bytes[i] = (byte) (bits >>> shift);
            }
        }
        out.writeBytes(bytes);
    }

    /** The {@code length} bytes starting at {@code position}, as an array. */
    byte[] bytes(long position, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = at(position + i);
        }
        return out;
    }

    private long block(long index) {
        // SplitMix64: cheap and well mixed; one call gives eight bytes.
        long z = seed * 0x9E3779B97F4A7C15L + (index + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "pattern " + seed;
    }
}
