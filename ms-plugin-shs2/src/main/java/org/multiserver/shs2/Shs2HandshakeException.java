package org.multiserver.shs2;

import java.io.IOException;

/**
 * An shs2 handshake that did not finish. The message names the message and the phase ("shs2: rejected the client
 * authenticate (message 3): the client's signature is invalid"), because the protocol by design tells neither peer
 * why the other hung up: the phase is the clue. Expected failures (a wrong key, a scanner, a timeout) carry no stack
 * trace.
 */
public final class Shs2HandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    Shs2HandshakeException(String message) {
        super(message, null);
    }

    Shs2HandshakeException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
