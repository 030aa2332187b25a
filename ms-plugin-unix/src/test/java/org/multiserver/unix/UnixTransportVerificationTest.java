package org.multiserver.unix;

import java.util.List;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.TransportVerification;

/** Every rule of the kit against unix sockets on the kit's NIO loops, with default (temporary) socket paths. */
class UnixTransportVerificationTest extends TransportVerification {
    @Override
    protected TransportProvider provider() {
        return new UnixTransportProvider();
    }

    @Override
    protected List<String> malformedAddresses() {
        return List.of("unix", "unix:", "unix:/" + "x".repeat(SocketPath.MAX_BYTES));
    }

    @Override
    protected List<String> validAddresses() {
        return List.of("unix:/run/app.sock", "unix:/tmp/a!:b/socket", "unix:relative/socket");
    }
}
