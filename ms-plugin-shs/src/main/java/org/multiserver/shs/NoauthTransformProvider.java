package org.multiserver.shs;

import java.util.List;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * The {@code noauth} transform, for parity with the JS reference: it adds nothing to the connection and
 * authenticates nobody. Unlike the JS version it never reports our own key as the peer's identity (the layer is
 * anonymous), and it does nothing unless {@link #ENABLED} is set: by default a {@code noauth} address or stack fails
 * with an error saying so.
 */
public final class NoauthTransformProvider implements TransformProvider {
    /** The explicit opt-in: {@code noauth.enabled=true}. */
    public static final Option<Boolean> ENABLED = Option.flag("noauth.enabled", false);

    @Override
    public String name() {
        return NoauthTransform.NAME;
    }

    @Override
    public Transform create(PluginContext context) {
        return new NoauthTransform(context.option(ENABLED));
    }

    @Override
    public List<Option<?>> options() {
        return List.of(ENABLED);
    }
}
