package org.multiserver.tck;

import java.util.List;
import org.multiserver.spi.TransformProvider;

/**
 * The kit's handshaking reference: it exercises the rules the identity transform skips (deadlines, leftovers,
 * authentication), and passes every one of them.
 */
class ToyTransformVerificationTest extends TransformVerification {
    @Override
    protected TransformProvider provider() {
        return new ToyTransformProvider();
    }

    @Override
    protected List<String> malformedSections() {
        return List.of("toy", "toy:ABCDEF0123456789", "toy:0123", "toy:0123456789abcdef:extra");
    }

    @Override
    protected List<String> validSections() {
        return List.of("toy:0123456789abcdef");
    }
}
