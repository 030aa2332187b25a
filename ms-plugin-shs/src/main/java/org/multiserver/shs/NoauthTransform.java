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
 * stranger as itself; here the layer is anonymous.
 */
final class NoauthTransform implements Transform {
    static final String NAME = "noauth";
    static final String DISABLED = "noauth is disabled: it authenticates nobody; enable it explicitly with the option "
            + NoauthTransformProvider.ENABLED.name() + "=true";
    private static final Section SECTION = Section.of(NAME);

    private final boolean enabled;

    NoauthTransform(boolean enabled) {
        this.enabled = enabled;
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
        if (!enabled) {
            throw section.syntaxError(-1, DISABLED);
        }
        if (!section.data().isEmpty()) {
            throw section.syntaxError(0, "noauth takes no items");
        }
        return Optional.of(new Target() {
            @Override
            public Section section() {
                return SECTION;
            }

            @Override
            public CompletableFuture<Layer> wrapClient(Channel channel) {
                return wrap(channel);
            }
        });
    }

    @Override
    public CompletableFuture<Layer> wrapServer(Channel channel) {
        return wrap(channel);
    }

    private CompletableFuture<Layer> wrap(Channel channel) {
        if (!enabled) {
            channel.close();
            return CompletableFuture.failedFuture(new IllegalStateException(DISABLED));
        }
        return CompletableFuture.completedFuture(Layer.anonymous(SECTION));
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return enabled ? Optional.of(SECTION) : Optional.empty();
    }
}
