package org.multiserver.tck.reference;

import java.util.List;
import org.multiserver.spi.TransformProvider;
import org.multiserver.tck.TransformVerification;

/** The reference transform passes every rule that applies to it; it has no handshake and proves nobody. */
class IdentityTransformVerificationTest extends TransformVerification {
    @Override
    protected TransformProvider provider() {
        return new IdentityTransformProvider();
    }

    @Override
    protected List<String> malformedSections() {
        return List.of("identity:x", "identity:");
    }

    @Override
    protected List<String> validSections() {
        return List.of("identity");
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
