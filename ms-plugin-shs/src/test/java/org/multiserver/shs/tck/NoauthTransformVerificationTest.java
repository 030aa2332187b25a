package org.multiserver.shs.tck;

import java.util.List;
import org.multiserver.shs.NoauthTransformProvider;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;
import org.multiserver.tck.TransformVerification;

/** noauth, opted in: no handshake, no identity. */
class NoauthTransformVerificationTest extends TransformVerification {
    @Override
    protected TransformProvider provider() {
        return new NoauthTransformProvider();
    }

    @Override
    protected Transform create(Role role, PluginContext context) {
        return provider().create(context.toBuilder().option(NoauthTransformProvider.ENABLED, true).build());
    }

    @Override
    protected List<String> malformedSections() {
        return List.of("noauth:unexpected");
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
