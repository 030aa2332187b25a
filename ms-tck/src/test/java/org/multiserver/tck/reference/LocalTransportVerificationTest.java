package org.multiserver.tck.reference;

import java.util.List;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.TransportVerification;

/** The reference transport passes every rule that applies to it (T4_2 does not: it half-closes). */
class LocalTransportVerificationTest extends TransportVerification {
    @Override
    protected TransportProvider provider() {
        return new LocalTransportProvider();
    }

    @Override
    protected List<String> malformedAddresses() {
        return List.of("local", "local:UPPER", "local:a:b", "local:-leading-dash", "local:has.dot");
    }

    @Override
    protected List<String> validAddresses() {
        return List.of("local:a", "local:0-9", "local:" + "x".repeat(LocalNames.MAX_LENGTH));
    }
}
