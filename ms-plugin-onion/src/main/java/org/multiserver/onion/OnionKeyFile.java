package org.multiserver.onion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The onion service's private key in a file, as tor hands it out: {@code ED25519-V3:<base64 of 64 bytes>}. Whoever
 * reads the file can impersonate the service, so it is created owner-only, and a file that others can read is
 * reported.
 */
final class OnionKeyFile {
    private static final Logger LOG = LoggerFactory.getLogger(OnionKeyFile.class);
    static final String PREFIX = "ED25519-V3:";
    private static final int EXPANDED_KEY_LENGTH = 64;

    private OnionKeyFile() {
    }

    /** The key in {@code file}, ready for ADD_ONION, or null when the file does not exist yet. */
    static String read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new IOException("cannot read the onion key file " + file + ": " + e.getMessage(), e);
        }
        if (!isKey(text)) {
            throw new IOException("the onion key file " + file + " does not hold an onion service key (expected "
                    + PREFIX + "<base64 of " + EXPANDED_KEY_LENGTH + " bytes>, as tor's ADD_ONION gives it)");
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE).containsAll(permissions)) {
                LOG.warn("the onion key file {} is readable by others ({}); anyone who reads it can run this onion"
                        + " service", file, PosixFilePermissions.toString(permissions));
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        return text;
    }

    /**
     * Writes a key tor generated to a new file, owner-only from its creation (the mode is part of the create call,
     * so there is no moment when others could read it); never replaces an existing file.
     */
    static void write(Path file, String key) throws IOException {
        if (!isKey(key)) {
            throw new IOException("tor returned a private key of an unknown form");
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("the onion key file " + file + " appeared while the service was being created", e);
        }
        Files.write(file, (key + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    static boolean isKey(String text) {
        if (!text.startsWith(PREFIX)) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(text.substring(PREFIX.length())).length == EXPANDED_KEY_LENGTH;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
