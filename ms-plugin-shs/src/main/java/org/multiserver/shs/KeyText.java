package org.multiserver.shs;

import java.util.Base64;

/**
 * Keys and seeds as address text. Input is lenient because JS peers print whatever Node's {@code Buffer} gives
 * (and users paste URL-safe or unpadded base64); output is always standard padded base64, as the JS reference
 * prints it, so addresses we print compare equal to theirs.
 */
final class KeyText {
    private KeyText() {
    }

    static String format(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * Decodes standard or URL-safe base64, padded or not.
     *
     * @return the bytes, or null when the text is not base64 at all (the caller names the item and column)
     */
    static byte[] parseLenient(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String body = text;
        int end = body.length();
        while (end > 0 && body.charAt(end - 1) == '=') {
            end--;
        }
        if (text.length() - end > 2) {
            return null;
        }
        body = body.substring(0, end).replace('-', '+').replace('_', '/');
        if (body.length() % 4 == 1) {
            return null; // no base64 text has this length, padded or not
        }
        try {
            // The basic decoder accepts missing padding and rejects anything outside the alphabet.
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Explains why {@code text} is not a 32-byte key, for an error message. */
    static String whyNot32Bytes(String text, String what) {
        if (text == null || text.isEmpty()) {
            return what + " is missing (expected 32 bytes of base64)";
        }
        byte[] decoded = parseLenient(text);
        if (decoded == null) {
            return what + " is not base64: '" + text + "'";
        }
        if (decoded.length != 32) {
            return what + " must decode to 32 bytes, got " + decoded.length + ": '" + text + "'";
        }
        return null;
    }
}
