package org.multiserver.core;

import java.io.IOException;

/** A stack could not start serving; {@link MultiServer#listen} closed the others. */
public final class ListenException extends IOException {
    private final String stack;

    ListenException(String stack, Throwable cause) {
        super("could not listen on " + stack + ": " + Failures.message(cause), Failures.unwrap(cause));
        this.stack = stack;
    }

    /** The stack that failed, such as {@code net~shs}. */
    public String stack() {
        return stack;
    }
}
