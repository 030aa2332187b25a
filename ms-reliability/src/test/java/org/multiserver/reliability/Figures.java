package org.multiserver.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/** Prints a measured figure and appends it to target/reliability-figures.txt, the source of docs/RELIABILITY.md. */
final class Figures {
    private Figures() {
    }

    static synchronized void report(String test, String line) {
        String text = Instant.now() + " " + test + ": " + line;
        System.out.println("RELIABILITY " + text);
        try {
            Path file = Path.of("target", "reliability-figures.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, text + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("could not record the figure: " + e);
        }
    }
}
