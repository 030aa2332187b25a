package org.multiserver.shs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a long-term key pair from a file: an SSB secret file ({@code ~/.ssb/secret}: '#' comment lines, then JSON
 * whose {@code "private"} is the base64 64-byte secret key with an {@code .ed25519} suffix), or a file holding only
 * base64 text of a 32-byte seed or a 64-byte secret key.
 */
final class KeyFile {
    private static final Pattern PRIVATE = Pattern.compile("\"private\"\\s*:\\s*\"([^\"]*)\"");

    private KeyFile() {
    }

    static ShsKeyPair read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read key file " + path + ": " + e, e);
        }
        StringBuilder withoutComments = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.stripLeading().startsWith("#")) {
                withoutComments.append(line).append('\n');
            }
        }
        String body = withoutComments.toString().strip();
        String encoded = body;
        if (body.startsWith("{")) {
            Matcher m = PRIVATE.matcher(body);
            if (!m.find()) {
                throw new IllegalArgumentException("key file " + path + " is JSON without a \"private\" key");
            }
            encoded = m.group(1);
            if (encoded.endsWith(".ed25519")) {
                encoded = encoded.substring(0, encoded.length() - ".ed25519".length());
            }
        }
        byte[] bytes = KeyText.parseLenient(encoded);
        try {
            if (bytes != null && bytes.length == 32) {
                return ShsKeyPair.fromSeed(bytes);
            }
            if (bytes != null && bytes.length == 64) {
                return ShsKeyPair.fromSecretKey(bytes);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key file " + path + ": " + e.getMessage(), e);
        } finally {
            NativeSodium.wipe(bytes);
        }
        throw new IllegalArgumentException("key file " + path + " holds neither an SSB secret nor base64 of a"
                + " 32-byte seed or 64-byte secret key");
    }
}
