package org.multiserver.shs;

import java.io.IOException;

/**
 * A box-stream that cannot go on: a frame whose MAC does not verify, a body longer than 4096 bytes, data after the
 * goodbye, or a peer that hung up without saying goodbye (a truncated stream). Once raised, no further plaintext
 * reaches the application and the connection is closed.
 */
public final class BoxStreamException extends IOException {
    private static final long serialVersionUID = 1L;

    BoxStreamException(String message) {
        super(message, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a protocol error from the peer, not a bug here: the message says everything
    }
}
