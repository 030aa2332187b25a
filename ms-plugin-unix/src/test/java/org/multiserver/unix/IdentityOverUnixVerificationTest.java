package org.multiserver.unix;

import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.reference.IdentityTransformVerification;

/**
 * The kit's identity transform over unix sockets: with no handler of its own it leaves the transform rules to the
 * transport, so this checks what unix and the platform's HalfCloseHandler do with bytes behind a wrap, a server that
 * writes first, EndOfOutput and writes after it (F4_8), on our own half-closing NIO channels.
 */
class IdentityOverUnixVerificationTest extends IdentityTransformVerification {
    @Override
    protected TransportProvider transport() {
        return new UnixTransportProvider();
    }
}
