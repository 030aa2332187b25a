package org.multiserver.net.tck;

import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.reference.IdentityTransformVerification;

/**
 * The kit's identity transform over net: with no handler of its own it leaves every rule to the transport, so this
 * checks what net and the platform's HalfCloseHandler do themselves (rule F4_8: writes after EndOfOutput fail and
 * never reach the wire, even behind a backed-up socket).
 */
class IdentityOverNetVerificationTest extends IdentityTransformVerification {
    @Override
    protected TransportProvider transport() {
        return new NetTransportProvider();
    }
}
