package org.multiserver.shs;

import java.io.IOException;

/**
 * A secret handshake that did not finish. The message names the side and the phase ("shs: server rejected client
 * auth (message 3)"), because shs by design tells neither peer why the other hung up: the phase is the clue.
 * These are expected failures (a wrong key, a port scanner, a peer that timed out); they carry no stack trace.
 */
public final class HandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    HandshakeException(String message) {
        super(message, null);
    }

    HandshakeException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // expected failure: the message says everything
    }
}
