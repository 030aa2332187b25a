package org.multiserver.core;

import java.io.IOException;

/**
 * An accepted connection closed at once because a limit of the server was reached ({@code maxConnections} or
 * {@code maxHandshakesInFlight}); given to the server error handler.
 */
public final class RefusedException extends IOException {
    /** Which limit refused the peer. */
    public enum Limit {
        /** {@link MultiServer.Builder#maxConnections}: connections open at once. */
        CONNECTIONS,
        /** {@link MultiServer.Builder#maxHandshakesInFlight}: connections still in their handshakes. */
        HANDSHAKES
    }

    private final String peer;
    private final Limit limit;
    private final int max;

    RefusedException(String peer, Limit limit, int max) {
        super("refused: " + max + (limit == Limit.CONNECTIONS ? " connections are open (the limit)"
                : " handshakes are in flight (the limit)"));
        this.peer = peer;
        this.limit = limit;
        this.max = max;
    }

    /** The peer's address as the transport saw it. */
    public String peer() {
        return peer;
    }

    /** The limit that was reached. */
    public Limit limit() {
        return limit;
    }

    /** Its value. */
    public int max() {
        return max;
    }
}
