package org.multiserver.unix;

import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.multiserver.address.Section;

/** The path of a {@code unix:{path}} section, and the section for a path. */
final class SocketPath {
    /** {@code sun_path} holds 108 bytes on Linux, one of them the terminating NUL. */
    static final int MAX_BYTES = 107;

    private SocketPath() {
    }

    /**
     * The path a section names. Items are joined with {@code :} again, as the JS client does, so both the JS form
     * ({@code unix:/run/a:b/socket}, unescaped) and ours ({@code unix:/run/a!:b/socket}) name {@code /run/a:b/socket}.
     */
    static String parse(Section section) {
        if (section.data().isEmpty()) {
            throw section.syntaxError(0, "expected unix:{path}, the path of a socket file");
        }
        String path = String.join(":", section.data());
        if (path.isEmpty()) {
            throw section.syntaxError(0, "the socket path is empty");
        }
        int bytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw section.syntaxError(0, "a unix socket path holds at most " + MAX_BYTES + " bytes, this one "
                    + bytes);
        }
        try {
            Path.of(path);
        } catch (InvalidPathException e) {
            throw section.syntaxError(0, "'" + path + "' is not a path: " + e.getReason());
        }
        return path;
    }

    /** The section for {@code path}; {@code :} and the other separators are escaped when printed. */
    static Section section(String path) {
        return Section.of(UnixTransport.NAME, path);
    }

    /** Why {@code path} cannot be served, or null when it can: too long, or not printable in an address. */
    static String whyNotServable(Path path) {
        String text = path.toString();
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            return "the path " + text + " has " + bytes + " bytes; a unix socket path holds at most " + MAX_BYTES;
        }
        try {
            section(text);
        } catch (IllegalArgumentException e) {
            return "the path " + text + " cannot be printed in an address (" + e.getMessage() + ")";
        }
        return null;
    }
}
