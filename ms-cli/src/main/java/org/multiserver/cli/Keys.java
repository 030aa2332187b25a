package org.multiserver.cli;

import java.util.Base64;

/** Public keys as users type them: {@code @KEY.ed25519}, URL-safe or unpadded base64. */
final class Keys {
    private Keys() {
    }

    /** The key in standard padded base64, as shs prints it. */
    static String canonical(String typed) {
        String key = typed.strip();
        if (key.startsWith("@")) {
            key = key.substring(1);
        }
        if (key.endsWith(".ed25519")) {
            key = key.substring(0, key.length() - ".ed25519".length());
        }
        key = key.replace('-', '+').replace('_', '/');
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(key + "==".substring(0, (4 - key.length() % 4) % 4 > 2 ? 0
                    : (4 - key.length() % 4) % 4));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + typed + "' is not a base64 public key");
        }
        if (bytes.length != 32) {
            throw new IllegalArgumentException("'" + typed + "' is " + bytes.length + " bytes, a public key is 32");
        }
        return Base64.getEncoder().encodeToString(bytes);
    }
}
