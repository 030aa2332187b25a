package org.multiserver.onion;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;

/** Builds v3 onion names for tests, from rend-spec-v3 directly (not through the code under test). */
final class OnionNames {
    private OnionNames() {
    }

    /** base32(pubkey || SHA3-256(".onion checksum" || pubkey || version)[:2] || version) + ".onion". */
    static String v3(byte[] publicKey, int version, boolean corruptChecksum) throws Exception {
        MessageDigest sha3 = MessageDigest.getInstance("SHA3-256");
        sha3.update(".onion checksum".getBytes(StandardCharsets.US_ASCII));
        sha3.update(publicKey);
        sha3.update((byte) version);
        byte[] sum = sha3.digest();
        byte[] raw = new byte[35];
        System.arraycopy(publicKey, 0, raw, 0, 32);
        raw[32] = sum[0];
        raw[33] = (byte) (sum[1] ^ (corruptChecksum ? 1 : 0));
        raw[34] = (byte) version;
        StringBuilder out = new StringBuilder();
        for (int bit = 0; bit < raw.length * 8; bit += 5) {
            int value = 0;
            for (int i = 0; i < 5; i++) {
                int b = bit + i;
                value = value << 1 | ((raw[b / 8] >> (7 - b % 8)) & 1);
            }
            out.append("abcdefghijklmnopqrstuvwxyz234567".charAt(value));
        }
        return out + ".onion";
    }

    static String v3(long seed) throws Exception {
        byte[] key = new byte[32];
        new Random(seed).nextBytes(key);
        return v3(key, 3, false);
    }
}
