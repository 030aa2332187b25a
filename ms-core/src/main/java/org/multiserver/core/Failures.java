package org.multiserver.core;

import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What went wrong behind the wrappers that futures and streams put around an error. */
public final class Failures {
    private Failures() {
    }

    /**
     * The error itself: {@code error} without the {@link CompletionException}, {@link ExecutionException} and
     * {@link UncheckedIOException} around it, which only say that it travelled through a future or a stream.
     */
    public static Throwable unwrap(Throwable error) {
        while ((error instanceof CompletionException || error instanceof ExecutionException
                || error instanceof UncheckedIOException) && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    /** The message of {@link #unwrap}'s error, or its class's simple name when it has none. */
    public static String message(Throwable error) {
        Throwable e = unwrap(error);
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
