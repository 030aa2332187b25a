package org.multiserver.core;

import java.io.IOException;

/**
 * What a server does with each connection, for {@link MultiServer#serve}. It runs on a thread of its own, so it may
 * block on {@link Connection#input()}; an {@link IOException} (or any runtime exception) it throws closes the
 * connection and goes to the server error handler, the server carrying on.
 */
@FunctionalInterface
public interface ConnectionHandler {
    void handle(Connection connection) throws IOException;
}
