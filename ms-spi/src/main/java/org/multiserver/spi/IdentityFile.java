package org.multiserver.spi;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An identity on disk: the SSB secret file ({@code ~/.ssb/secret}: {@code #} comment lines, then JSON whose
 * {@code "private"} is base64 of libsodium's 64-byte secret key, the seed then the public key, with an
 * {@code .ed25519} suffix), or a file holding only base64 of a 32-byte seed or a 64-byte secret key. Ed25519 is the
 * JDK's (since 15), so the SPI still needs no crypto library.
 */
final class IdentityFile {
    private static final Pattern PRIVATE = Pattern.compile("\"private\"\\s*:\\s*\"([^\"]*)\"");
    private static final String SUFFIX = ".ed25519";

    private IdentityFile() {
    }

    static Identity load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw named(file, "cannot read key file", e);
        }
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.stripLeading().startsWith("#")) {
                body.append(line).append('\n');
            }
        }
        String encoded = body.toString().strip();
        if (encoded.startsWith("{")) {
            Matcher m = PRIVATE.matcher(encoded);
            if (!m.find()) {
                throw new IOException("key file " + file + " is JSON without a \"private\" key");
            }
            encoded = m.group(1);
            if (encoded.endsWith(SUFFIX)) {
                encoded = encoded.substring(0, encoded.length() - SUFFIX.length());
            }
        }
        byte[] bytes = decodeLenient(encoded);
        try {
            if (bytes != null && bytes.length == 32) {
                return Identity.fromSeed(bytes);
            }
            if (bytes != null && bytes.length == 64) {
                byte[] seed = Arrays.copyOf(bytes, 32);
                try {
                    if (!publicHalfMatches(seed, Arrays.copyOfRange(bytes, 32, 64))) {
                        throw new IOException("key file " + file + ": the secret key's public half does not match"
                                + " its seed");
                    }
                    return Identity.fromSeed(seed);
                } finally {
                    Arrays.fill(seed, (byte) 0);
                }
            }
        } finally {
            if (bytes != null) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
        throw new IOException("key file " + file + " holds neither an SSB secret nor base64 of a 32-byte seed or"
                + " 64-byte secret key");
    }

    /** The identity in {@code file}, or a new one written there (owner-only) when the file does not exist. */
    static Identity loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
        byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
        byte[] pub = encode(((EdECPublicKey) pair.getPublic()).getPoint());
        // libsodium's 64-byte secret key, as SSB secret files hold it: the seed, then the public key.
        byte[] secret = new byte[64];
        System.arraycopy(seed, 0, secret, 0, 32);
        System.arraycopy(pub, 0, secret, 32, 32);
        try {
            write(file, Base64.getEncoder().encodeToString(pub), Base64.getEncoder().encodeToString(secret));
            return Identity.fromSeed(seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(secret, (byte) 0);
        }
    }

    /**
     * Whether {@code publicKey} belongs to {@code seed}: the JDK derives no public key from a private one, but a
     * signature made with the seed verifies under its own public key only.
     */
    private static boolean publicHalfMatches(byte[] seed, byte[] publicKey) {
        try {
            KeyFactory keys = KeyFactory.getInstance("Ed25519");
            Signature sign = Signature.getInstance("Ed25519");
            sign.initSign(keys.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)));
            byte[] message = "multiserver key file check".getBytes(StandardCharsets.US_ASCII);
            sign.update(message);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance("Ed25519");
            verify.initVerify(keys.generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519,
                    decode(publicKey))));
            verify.update(message);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // not a point on the curve: not this seed's key either
        }
    }

    /** RFC 8032's encoding: y in little-endian, x's parity in the top bit. */
    private static byte[] encode(EdECPoint point) {
        byte[] bigEndian = point.getY().toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < Math.min(32, bigEndian.length); i++) {
            out[i] = bigEndian[bigEndian.length - 1 - i];
        }
        if (point.isXOdd()) {
            out[31] |= (byte) 0x80;
        }
        return out;
    }

    private static EdECPoint decode(byte[] encoded) {
        byte[] bigEndian = new byte[32];
        for (int i = 0; i < 32; i++) {
            bigEndian[i] = encoded[31 - i];
        }
        boolean xOdd = (bigEndian[0] & 0x80) != 0;
        bigEndian[0] &= 0x7f;
        return new EdECPoint(xOdd, new BigInteger(1, bigEndian));
    }

    /** Standard or URL-safe base64, padded or not; null when it is not base64. */
    private static byte[] decodeLenient(String text) {
        String body = text.strip();
        int end = body.length();
        while (end > 0 && body.charAt(end - 1) == '=') {
            end--;
        }
        if (body.isEmpty() || body.length() - end > 2) {
            return null;
        }
        body = body.substring(0, end).replace('-', '+').replace('_', '/');
        try {
            // The basic decoder accepts missing padding and rejects anything outside the alphabet.
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            return null;
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
                + "  \"public\": \"" + pub + SUFFIX + "\",\n"
                + "  \"private\": \"" + priv + SUFFIX + "\",\n"
                + "  \"id\": \"@" + pub + SUFFIX + "\"\n"
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
        String reason = e.getMessage();
        if (e instanceof NoSuchFileException) {
            reason = "no such file";
        } else if (e instanceof FileSystemException fs) {
            reason = fs.getReason() != null ? fs.getReason() : e.getClass().getSimpleName();
        }
        return new IOException(doing + " " + path + ": " + reason, e);
    }
}
