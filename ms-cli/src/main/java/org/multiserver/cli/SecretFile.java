package org.multiserver.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Set;
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

    /** {@code ~/.multiserver/secret}, where {@code ~} is {@link #home()}. */
    static Path defaultPath() {
        return home().resolve(".multiserver").resolve("secret");
    }

    /**
     * The home directory as a command-line tool means it: {@code $HOME} when set (as a shell's {@code ~} does), else
     * the JVM's {@code user.home}, which on Unix is the account's passwd entry whatever {@code $HOME} says.
     */
    static Path home() {
        String env = System.getenv("HOME");
        return Path.of(env != null && !env.isBlank() ? env : System.getProperty("user.home"));
    }

    /** Whether {@link #loadOrCreate} created the file, for the log. */
    enum Outcome { READ, CREATED }

    /** Reads the key pair in {@code file}, creating the file with a new key pair when it does not exist. */
    static ShsKeyPair loadOrCreate(Path file) throws IOException {
        return loadOrCreate(file, outcome -> { });
    }

    /** {@link #loadOrCreate(Path)}, telling {@code told} whether the file was read or created. */
    static ShsKeyPair loadOrCreate(Path file, java.util.function.Consumer<Outcome> told) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory, not a secret file (--keys names the file itself, such as "
                    + file.resolve("secret") + ")");
        }
        if (Files.exists(file)) {
            ShsKeyPair keys = load(file);
            told.accept(Outcome.READ);
            return keys;
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
        told.accept(Outcome.CREATED);
        return keys;
    }

    static ShsKeyPair load(Path file) throws IOException {
        StringBuilder json = new StringBuilder();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw named(file, "cannot read", e);
        }
        for (String line : lines) {
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

    /**
     * Writes the file owner-only from its first byte: the folder is made {@code rwx------} and the file
     * {@code rw-------} as they are created (the permissions are given to the system calls that create them), never
     * created with the defaults and restricted after, which would leave a moment where others could open them.
     */
    private static void write(Path file, String pub, String priv) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (dir != null && !Files.exists(dir)) {
            try {
                if (posix) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            } catch (IOException e) {
                throw named(dir, "cannot create the folder", e);
            }
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
        Set<OpenOption> open = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileAttribute<?>[] ownerOnly = posix
                ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-------"))}
                : new FileAttribute<?>[0];
        try (SeekableByteChannel out = Files.newByteChannel(file, open, ownerOnly)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            throw named(file, "cannot create", e);
        }
    }

    /** The JDK's file errors often say only {@code Is a directory} or the like: say which file, and what we did. */
    private static IOException named(Path path, String doing, IOException e) {
        String message = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fs) {
            message = fs.getReason() != null ? fs.getReason() : e.getClass().getSimpleName();
        }
        return new IOException(doing + " " + path + ": " + message, e);
    }
}
