package org.multiserver.examples.gzip;

import java.util.List;
import org.multiserver.spi.TransformProvider;
import org.multiserver.tck.TransformVerification;

/** Every transform rule of the kit, over the kit's own {@code local} transport. */
class GzipTransformVerificationTest extends TransformVerification {
    @Override
    protected TransformProvider provider() {
        return new GzipTransformProvider();
    }

    @Override
    protected List<String> malformedSections() {
        return List.of("gzip:9", "gzip:", "gzip:best:fast");
    }

    @Override
    protected boolean authenticates() {
        return false; // compression proves nothing about the peer
    }

    @Override
    protected boolean detectsTruncation() {
        return true; // a member ends with its trailer (CRC-32 and size): an end before it is reported as truncated
    }

    @Override
    protected boolean hasHandshake() {
        return false; // the header travels with the first data, nothing is exchanged before
    }
}
