package org.multiserver.shs;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;

/**
 * {@code noauth}: the connection as it is, with no identity. The JS reference's noauth claims the local key as the
 * remote identity ({@code remote: opts.keys.publicKey}), so an application that trusts that field would treat every
 * stranger as itself; here the layer is anonymous. Enabled, it is {@link Transform#withoutHandshake} with nothing to
 * add; disabled (the default), it is this class, which refuses every use with the reason.
 */
final class NoauthTransform implements Transform {
    static final String NAME = "noauth";
    static final String DISABLED = "noauth is disabled: it authenticates nobody; enable it explicitly with the option "
            + NoauthTransformProvider.ENABLED.name() + "=true";

    static Transform create(boolean enabled) {
        return enabled ? Transform.withoutHandshake(NAME, pipeline -> { }) : new NoauthTransform();
    }

    private NoauthTransform() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<Target> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        throw section.syntaxError(-1, DISABLED);
    }

    @Override
    public CompletableFuture<Layer> wrapServer(Channel channel) {
        channel.close();
        return CompletableFuture.failedFuture(new IllegalStateException(DISABLED));
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return Optional.empty();
    }
}
