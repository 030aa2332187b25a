package org.multiserver.shs;

import java.util.HexFormat;
import java.util.List;

/**
 * Curve25519 public keys whose shared secret with any scalar is all zeros (libsodium's own blacklist in
 * crypto_scalarmult/curve25519/ref10: points of order 1, 2, 4 and 8, and the same values plus p).
 */
final class LowOrderPoints {
    static final List<byte[]> X25519 = List.of(
            hex("0000000000000000000000000000000000000000000000000000000000000000"),
            hex("0100000000000000000000000000000000000000000000000000000000000000"),
            hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
            hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
            hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));

    /** Ed25519 encodings of small-order points: the identity, and a point of order 8 (and the order-2 point). */
    static final List<byte[]> ED25519 = List.of(
            hex("0100000000000000000000000000000000000000000000000000000000000000"),
            hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
            hex("0000000000000000000000000000000000000000000000000000000000000000"));

    private LowOrderPoints() {
    }

    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text);
    }
}
