package org.multiserver.shs2;

import java.util.Base64;

/**
 * Keys and payloads as address text: lenient on input (standard or URL-safe base64, padded or not, as users paste
 * them and JS peers print them), standard padded base64 on output, as multiserver's {@code shs:} prints keys.
 */
final class KeyText {
    private KeyText() {
    }

    static String format(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The 32 bytes {@code text} decodes to, or null with {@link #whyNot32Bytes} saying why. */
    static byte[] parse32(String text) {
        byte[] decoded = decodeLenient(text);
        return decoded != null && decoded.length == Crypto.KEY_BYTES ? decoded : null;
    }

    /** Explains why {@code text} is not 32 bytes of base64, for an error at its column. */
    static String whyNot32Bytes(String text, String what) {
        if (text == null || text.isEmpty()) {
            return what + " is missing (expected 32 bytes of base64)";
        }
        byte[] decoded = decodeLenient(text);
        if (decoded == null) {
            return what + " is not base64: '" + text + "'";
        }
        return what + " must decode to 32 bytes, got " + decoded.length + ": '" + text + "'";
    }

    private static byte[] decodeLenient(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '=') {
            end--;
        }
        if (text.length() - end > 2) {
            return null;
        }
        String body = text.substring(0, end).replace('-', '+').replace('_', '/');
        if (body.length() % 4 == 1) {
            return null; // no base64 text has this length, padded or not
        }
        try {
            return Base64.getDecoder().decode(body); // accepts missing padding, rejects what is not the alphabet
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
