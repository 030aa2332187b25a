package org.multiserver.core;

import java.io.IOException;
import org.multiserver.address.Address;

/** Reading a {@link Connection} failed: the peer broke a transform's protocol, reset the connection, or the like. */
public final class ConnectionException extends IOException {
    private final Address address;

    ConnectionException(Address address, String reason, Throwable cause) {
        super(address + ": " + reason, cause);
        this.address = address;
    }

    /** The connection's remote address, as {@link Connection#remoteAddress()} gives it. */
    public Address address() {
        return address;
    }
}
