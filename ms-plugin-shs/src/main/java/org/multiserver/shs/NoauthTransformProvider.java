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

    /**
     * A client's noauth, disabled, fails when an address asks for it; a server's cannot run at all, so a listen spec
     * with a disabled noauth fails here, at start, rather than printing no address and refusing every peer.
     */
    @Override
    public Transform create(PluginContext context) {
        boolean enabled = context.option(ENABLED);
        context.listenSpec().ifPresent(spec -> {
            if (!enabled) {
                throw spec.syntaxError(-1, NoauthTransform.DISABLED);
            }
            if (!spec.data().isEmpty()) {
                throw spec.syntaxError(0, "noauth takes no data: write just 'noauth'");
            }
        });
        return NoauthTransform.create(enabled);
    }

    @Override
    public List<Option<?>> options() {
        return List.of(ENABLED);
    }
}
