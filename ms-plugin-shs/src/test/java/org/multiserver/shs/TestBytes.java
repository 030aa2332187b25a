package org.multiserver.shs;

/**
 * The byte pattern every interop stream carries, mirrored in interop/js/common.js: byte i is
 * {@code (7i + floor(i / 251)) mod 251}. 251 is prime, so the pattern never lines up with 4096-byte frames and a
 * lost, repeated or reordered frame shows.
 */
final class TestBytes {
    private TestBytes() {
    }

    static int at(long i) {
        return (int) ((i * 7 + i / 251) % 251);
    }

    static byte[] range(long offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) at(offset + i);
        }
        return out;
    }

    /** The index of the first byte that breaks the pattern, or -1. */
    static long firstMismatch(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            if ((data[i] & 0xff) != at(i)) {
                return i;
            }
        }
        return -1;
    }
}
