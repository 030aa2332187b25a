package org.multiserver.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.spi.Identity;

/**
 * Where the command keeps our identity, and what it says about the file. Reading and writing the SSB secret file is
 * {@link Identity#load}'s and {@link Identity#loadOrCreate}'s (ms-spi), which the shs plugin's {@code shs.key-file}
 * uses too.
 */
final class SecretFile {
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

    /** Reads the key pair in {@code file}, creating the file (owner-only) with a new key pair when it does not exist. */
    static ShsKeyPair loadOrCreate(Path file) throws IOException {
        return loadOrCreate(file, outcome -> { });
    }

    /** {@link #loadOrCreate(Path)}, telling {@code told} whether the file was read or created. */
    static ShsKeyPair loadOrCreate(Path file, Consumer<Outcome> told) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory, not a secret file (--keys names the file itself, such as "
                    + file.resolve("secret") + ")");
        }
        Outcome outcome = Files.exists(file) ? Outcome.READ : Outcome.CREATED;
        ShsKeyPair keys = ShsKeyPair.of(Identity.loadOrCreate(file));
        told.accept(outcome);
        return keys;
    }

    static ShsKeyPair load(Path file) throws IOException {
        return ShsKeyPair.of(Identity.load(file));
    }
}
