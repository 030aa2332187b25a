package org.multiserver.unix;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file of one listening server: where it is bound, how it becomes owner-only without a moment in which
 * others could connect, and its removal on close.
 *
 * <p>The server binds inside a fresh owner-only directory next to the final path, the file is made {@code 0600}
 * there, and then hard-linked to the final path ({@code link(2)} never replaces an existing file) and unlinked from
 * the directory. A bound socket is found through its inode, so clients reach it by the new name; nobody else can
 * reach it before it is {@code 0600}. Only when that directory's path would be too long for {@code sun_path} does the
 * server bind at the final path directly and change the mode right after, as the JS plugin does.
 */
final class SocketFile {
    private static final Logger LOG = LoggerFactory.getLogger(SocketFile.class);
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final Path stagingDir;
    private final Path bindPath;
    private volatile Object fileKey;

    private SocketFile(Path path, Path stagingDir, Path bindPath) {
        this.path = path;
        this.stagingDir = stagingDir;
        this.bindPath = bindPath;
    }

    /**
     * Gets {@code path} ready for a server: refuses it when it is not a socket or a live server answers there,
     * removes it when it is a stale socket (its server died without removing it), and prepares where to bind.
     */
    static SocketFile prepare(Path path) throws IOException {
        Path parent = path.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IOException("the directory of " + path + " does not exist");
        }
        claim(path);
        Path dir = Files.createTempDirectory(parent, ".msu", PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        Path bind = dir.resolve("s");
        if (bind.toString().getBytes(StandardCharsets.UTF_8).length > SocketPath.MAX_BYTES) {
            Files.delete(dir);
            return new SocketFile(path, null, path);
        }
        return new SocketFile(path, dir, bind);
    }

    private static void claim(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket; not replacing it");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // Non-blocking: a unix connect is accepted or refused at once, and a busy server must not hang us.
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException e) {
            // ECONNREFUSED: a socket file without a server, left by a process that died. Take it over.
            Files.deleteIfExists(path);
            LOG.debug("removed the stale socket file {}", path);
            return;
        } catch (IOException e) {
            throw new IOException("cannot tell whether a server listens on " + path + ": " + e.getMessage(), e);
        }
        throw new IOException("another server is listening on " + path);
    }

    /** Where the server binds. */
    Path bindPath() {
        return bindPath;
    }

    /** The path clients dial. */
    Path path() {
        return path;
    }

    /** After the bind: makes the socket owner-only and puts it at its final path. */
    void publish() throws IOException {
        try {
            Files.setPosixFilePermissions(bindPath, OWNER_ONLY);
            if (stagingDir != null) {
                try {
                    Files.createLink(path, bindPath);
                } catch (FileAlreadyExistsException e) {
                    throw new IOException("another process created " + path + " while this server was binding", e);
                }
            }
            fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            if (stagingDir == null) {
                Files.deleteIfExists(path); // bound there directly: the file is ours
            }
            throw e;
        } finally {
            abandon();
        }
    }

    /** Removes the staging directory, after a publish or a failed bind. */
    void abandon() {
        if (stagingDir == null) {
            return;
        }
        try {
            Files.deleteIfExists(bindPath);
            Files.deleteIfExists(stagingDir);
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", stagingDir, e.toString());
        }
    }

    /**
     * Removes the socket file, if it is still the one this server created: another server may have taken the path
     * over since (after someone removed our file), and its file is not ours to delete.
     */
    void remove() {
        Object key = fileKey;
        if (key == null) {
            return;
        }
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (Objects.equals(key, now)) {
                Files.delete(path);
            }
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.debug("cannot remove the socket file {}: {}", path, e.toString());
        }
    }

    /** Removes a directory this plugin created for a default socket path, once empty. */
    static void removeDirectory(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            LOG.debug("leaving {}: something else was put there", dir);
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", dir, e.toString());
        }
    }
}
