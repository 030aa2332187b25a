package org.multiserver.spi;

import java.io.IOException;
import java.util.Objects;

/**
 * Fired upstream as a user event when the peer broke the protocol after the application's input had already ended
 * cleanly, such as bytes after shs's goodbye: the transform closes the connection and the application's clean end
 * stays clean, while the platform reports {@link #error()} to the server's error handler. Before the clean end, a
 * violation is an ordinary {@code exceptionCaught}.
 */
public final class ProtocolViolation {
    private final IOException error;

    public ProtocolViolation(IOException error) {
        this.error = Objects.requireNonNull(error, "error");
    }

    /** What the peer did, in the transform's words. */
    public IOException error() {
        return error;
    }

    @Override
    public String toString() {
        return "ProtocolViolation(" + error.getMessage() + ")";
    }
}
