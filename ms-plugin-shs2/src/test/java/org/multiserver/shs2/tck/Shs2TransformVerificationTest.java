package org.multiserver.shs2.tck;

import java.util.Base64;
import java.util.List;
import org.multiserver.shs2.Shs2TransformProvider;
import org.multiserver.spi.TransformProvider;
import org.multiserver.tck.TransformVerification;

/**
 * shs2 through the kit over its reference {@code local} transport. Every instance takes its key pair from its
 * context's identity, and the kit builds a fresh context (so a fresh identity) per role: the default
 * {@code create} already keys the impostor differently. shs2 has a handshake, authenticates, half-closes through
 * its end-of-stream chunk and detects truncation, so no capability hook is turned off: it must pass every rule.
 */
class Shs2TransformVerificationTest extends TransformVerification {
    /** A real Ed25519 public key: B_p of case 1 of the vectors (8139770e...b394). */
    static final String KEY = "gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=";
    /** 32 bytes of base64, for the auth payload item. */
    static final String PAYLOAD = Base64.getEncoder().encodeToString(new byte[32]);
    /** Ed25519's neutral element (y = 1): it decodes, but has order 1, so libsodium refuses to convert it. */
    static final String SMALL_ORDER_KEY = Base64.getEncoder().encodeToString(littleEndianY(1));
    /** y = 2: x^2 = (y^2 - 1) / (d y^2 + 1) has no square root mod p, so no point has this encoding. */
    static final String NOT_ON_CURVE_KEY = Base64.getEncoder().encodeToString(littleEndianY(2));

    @Override
    protected TransformProvider provider() {
        return new Shs2TransformProvider();
    }

    /** What the malformed samples are built on; rule F1_5 checks these parse, so a sample fails for its own reason. */
    @Override
    protected List<String> validSections() {
        return List.of("shs2:" + KEY, "shs2:" + KEY + ":" + PAYLOAD);
    }

    @Override
    protected List<String> malformedSections() {
        return List.of(
                "shs2",                                     // no key
                "shs2:notbase64",                           // not base64 at all
                "shs2:" + base64(31),                       // a key of 31 bytes
                "shs2:" + base64(33),                       // a key of 33 bytes
                "shs2:" + SMALL_ORDER_KEY,                  // 32 bytes, but a point of small order
                "shs2:" + NOT_ON_CURVE_KEY,                 // 32 bytes, but not a point at all
                "shs2:" + KEY + ":" + PAYLOAD + ":extra",   // a third item
                "shs2:" + KEY + ":" + base64(31),           // a payload of 31 bytes
                "shs2:" + KEY + ":" + base64(33),           // a payload of 33 bytes
                "shs2:" + KEY + ":notbase64");              // a payload that is not base64
    }

    private static byte[] littleEndianY(int y) {
        byte[] key = new byte[32];
        key[0] = (byte) y;
        return key;
    }

    private static String base64(int bytes) {
        byte[] value = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            value[i] = (byte) (i * 7 + 1);
        }
        return Base64.getEncoder().encodeToString(value);
    }
}
