package org.multiserver.tck.reference;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;

/** See {@link IdentityTransformProvider}. */
final class IdentityTransform implements Transform {
    static final String NAME = "identity";
    private static final Section SECTION = Section.of(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<Target> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        if (!section.data().isEmpty()) {
            throw section.syntaxError(0, "the identity transform takes no data: write just 'identity'");
        }
        return Optional.of(new Target() {
            @Override
            public Section section() {
                return SECTION;
            }

            @Override
            public CompletableFuture<Layer> wrapClient(Channel channel) {
                return wrapped(channel);
            }
        });
    }

    @Override
    public CompletableFuture<Layer> wrapServer(Channel channel) {
        return wrapped(channel);
    }

    private static CompletableFuture<Layer> wrapped(Channel channel) {
        // Nothing to add: the pipeline is final as it is. Bytes keep flowing to the platform's tail untouched.
        return CompletableFuture.completedFuture(Layer.anonymous(SECTION));
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return Optional.of(SECTION);
    }
}
