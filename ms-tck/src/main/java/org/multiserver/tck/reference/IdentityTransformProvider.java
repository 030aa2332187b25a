package org.multiserver.tck.reference;

import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * The kit's reference transform, {@code identity}: no handshake, no handlers, no authentication. It shows the least
 * a transform must do (parse and print its section, complete its future with a {@link org.multiserver.spi.Layer})
 * and lets a transport author run a full stack without any other plugin. Its section has no data: {@code identity}.
 *
 * <p>Not listed in {@code META-INF/services}, for the reason given on {@link LocalTransportProvider}.
 */
public final class IdentityTransformProvider implements TransformProvider {
    @Override
    public String name() {
        return IdentityTransform.NAME;
    }

    @Override
    public Transform create(PluginContext context) {
        return new IdentityTransform();
    }
}
