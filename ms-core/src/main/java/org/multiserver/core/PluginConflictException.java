package org.multiserver.core;

/** Two plugins claim one protocol name and nothing says which to use; the message names both and how to choose. */
public final class PluginConflictException extends IllegalStateException {
    PluginConflictException(String message) {
        super(message);
    }
}
