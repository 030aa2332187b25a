package org.multiserver.net.tck;

import java.util.List;
import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.TransformVerification;
import org.multiserver.tck.reference.IdentityTransformProvider;

/**
 * The kit's identity transform over net: with no handler of its own it leaves every rule to the transport, so this
 * checks what net and the platform's HalfCloseHandler do themselves (rule F4_8: writes after EndOfOutput fail and
 * never reach the wire, even behind a backed-up socket).
 */
class IdentityOverNetVerificationTest extends TransformVerification {
    @Override
    protected TransformProvider provider() {
        return new IdentityTransformProvider();
    }

    @Override
    protected TransportProvider transport() {
        return new NetTransportProvider();
    }

    @Override
    protected List<String> malformedSections() {
        return List.of("identity:x", "identity:");
    }

    @Override
    protected boolean authenticates() {
        return false;
    }

    @Override
    protected boolean hasHandshake() {
        return false;
    }
}
