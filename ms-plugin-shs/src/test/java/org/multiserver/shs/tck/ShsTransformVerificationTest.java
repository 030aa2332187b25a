package org.multiserver.shs.tck;

import java.util.List;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.TransformProvider;
import org.multiserver.tck.TransformVerification;

/** shs through the kit over its reference local transport; every instance draws a fresh key pair. */
class ShsTransformVerificationTest extends TransformVerification {
    static final String KEY = "DTNmX+4SjsgZ7xyDh5xxmNtFqa6pWi5Qtw7cE8aR9TQ=";

    @Override
    protected TransformProvider provider() {
        return new ShsTransformProvider();
    }

    @Override
    protected List<String> malformedSections() {
        return List.of("shs", "shs:notbase64", "shs:AAAA", "shs:" + KEY + ":tooshort", "shs:" + KEY + ":"
                + KEY + ":extra");
    }
}
