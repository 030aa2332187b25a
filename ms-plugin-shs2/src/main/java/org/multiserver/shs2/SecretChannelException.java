package org.multiserver.shs2;

import java.io.IOException;

/**
 * The Secret Channel broke: a chunk that does not verify (flipped bits, reordering, replay, a wrong key) or a stream
 * that ended without its end-of-stream chunk (truncation). Expected from a hostile or broken peer: no stack trace.
 */
public final class SecretChannelException extends IOException {
    private static final long serialVersionUID = 1L;

    SecretChannelException(String message) {
        super(message, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
