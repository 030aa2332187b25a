package org.multiserver.spi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.multiserver.address.Section;

/** See {@link Transform#withoutHandshake}. */
final class PlainTransform implements Transform {
    private final String name;
    private final Section section;
    private final Consumer<ChannelPipeline> install;

    PlainTransform(String name, Consumer<ChannelPipeline> install) {
        this.name = Objects.requireNonNull(name, "name");
        this.section = Section.of(name);
        this.install = Objects.requireNonNull(install, "install");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Target> parse(Section given) {
        if (!name.equals(given.name())) {
            return Optional.empty();
        }
        if (!given.data().isEmpty()) {
            throw given.syntaxError(0, name + " takes no data: write just '" + name + "'");
        }
        return Optional.of(new Target() {
            @Override
            public Section section() {
                return section;
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
        CompletableFuture<Layer> done = new CompletableFuture<>();
        Runnable run = () -> {
            try {
                install.accept(channel.pipeline());
                done.complete(Layer.anonymous(section));
            } catch (RuntimeException e) {
                channel.close();
                done.completeExceptionally(new IOException(name + ": could not set up the pipeline: " + e, e));
            }
        };
        // At once on the event loop, as the platform calls it: a task queued for later could run after the first
        // read, and those bytes would pass this transform by.
        if (channel.eventLoop().inEventLoop()) {
            run.run();
        } else {
            channel.eventLoop().execute(run);
        }
        return done;
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return Optional.of(section);
    }
}
