package org.multiserver.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.multiserver.shs.ShsKeyPair;

/**
 * Our identity on disk, in the JSON form of the SSB secret file ({@code curve}, {@code public}, {@code private},
 * {@code id}, with {@code #} comment lines), created owner-only.
 */
final class SecretFile {
    private static final Pattern PRIVATE = Pattern.compile("\"private\"\\s*:\\s*\"([A-Za-z0-9+/=_-]+)\\.ed25519\"");

    private SecretFile() {
    }

    static Path defaultPath() {
        return Path.of(System.getProperty("user.home"), ".multiserver", "secret");
    }

    /** Reads the key pair in {@code file}, creating the file with a new key pair when it does not exist. */
    static ShsKeyPair loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        byte[] seed = new byte[32];
        new java.security.SecureRandom().nextBytes(seed);
        ShsKeyPair keys = ShsKeyPair.fromSeed(seed);
        // libsodium's 64-byte secret key, as SSB secret files hold it: the seed, then the public key.
        byte[] secret = new byte[64];
        System.arraycopy(seed, 0, secret, 0, 32);
        System.arraycopy(keys.publicKey(), 0, secret, 32, 32);
        write(file, keys.publicKeyBase64(), Base64.getEncoder().encodeToString(secret));
        java.util.Arrays.fill(seed, (byte) 0);
        java.util.Arrays.fill(secret, (byte) 0);
        return keys;
    }

    static ShsKeyPair load(Path file) throws IOException {
        StringBuilder json = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.stripLeading().startsWith("#")) {
                json.append(line).append('\n');
            }
        }
        Matcher m = PRIVATE.matcher(json);
        if (!m.find()) {
            throw new IOException(file + ": not a secret file (no \"private\": \"<base64>.ed25519\")");
        }
        try {
            return ShsKeyPair.fromSecretKey(Base64.getDecoder().decode(m.group(1)));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String pub, String priv) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.exists(dir)) {
            Files.createDirectories(dir);
            trySetPermissions(dir, "rwx------");
        }
        String text = "# this is your SECRET name.\n"
                + "# this name gives you magical powers.\n"
                + "# with it you can mark your messages so that your friends can verify\n"
                + "# that they really did come from you.\n"
                + "#\n"
                + "# if any one learns this name, they can use it to destroy your identity\n"
                + "# NEVER show this to anyone!!!\n"
                + "\n"
                + "{\n"
                + "  \"curve\": \"ed25519\",\n"
                + "  \"public\": \"" + pub + ".ed25519\",\n"
                + "  \"private\": \"" + priv + ".ed25519\",\n"
                + "  \"id\": \"@" + pub + ".ed25519\"\n"
                + "}\n";
        Files.writeString(file, "", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        trySetPermissions(file, "rw-------");
        Files.writeString(file, text, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    private static void trySetPermissions(Path path, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system; the platform's defaults apply
        }
    }
}
