package org.multiserver.tck.reference;

import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * The kit's reference transform, {@code identity}: no handshake, no handlers, no authentication. It shows the least
 * a transform is ({@link Transform#withoutHandshake} with nothing to install: it parses and prints its section and
 * completes with an anonymous layer) and lets a transport author run a full stack without any other plugin. Its
 * section has no data: {@code identity}.
 *
 * <p>Not listed in {@code META-INF/services}, for the reason given on {@link LocalTransportProvider}.
 */
public final class IdentityTransformProvider implements TransformProvider {
    static final String NAME = "identity";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Transform create(PluginContext context) {
        // Nothing to add: the pipeline is final as it is; bytes flow to the platform's tail untouched.
        return Transform.withoutHandshake(NAME, pipeline -> { });
    }
}
