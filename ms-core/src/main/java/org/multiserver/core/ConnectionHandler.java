package org.multiserver.core;

import java.io.IOException;

/**
 * What a server does with each connection, for {@link MultiServer#serve}: it runs on a thread of its own, so it may
 * block on {@link Connection#input()}, and the connection is closed (after its pending writes) when it returns, so
 * {@code c -> c.input().transferTo(c.output())} is an echo server. An {@link IOException} (or a runtime exception)
 * it throws closes the connection too and goes to the server error handler, the server carrying on. A connection
 * that outlives its handler ({@link Connection#attach}) is for {@link MultiServer#listen}.
 */
@FunctionalInterface
public interface ConnectionHandler {
    void handle(Connection connection) throws IOException;
}
