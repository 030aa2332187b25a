package org.multiserver.examples.gzip;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;

/** See {@link GzipTransformProvider}. Client and server do the same: there is no handshake. */
final class GzipTransform implements Transform {
    static final String NAME = "gzip";
    private static final Section SECTION = Section.of(NAME);

    private final int level;

    GzipTransform(int level) {
        this.level = level;
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
        if (!section.data().isEmpty()) {
            throw section.syntaxError(0, "gzip takes no data: write just 'gzip' (the level is a local option,"
                    + " " + GzipOptions.LEVEL.name() + ")");
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
        CompletableFuture<Layer> done = new CompletableFuture<>();
        Runnable install = () -> {
            try {
                // Both before the platform's tail, named after this transform. No handshake: the pipeline is final
                // as soon as they are in.
                Pipelines.addLast(channel.pipeline(), GzipDecoder.NAME, new GzipDecoder());
                Pipelines.addLast(channel.pipeline(), GzipEncoder.NAME, new GzipEncoder(level));
                done.complete(Layer.anonymous(SECTION));
            } catch (RuntimeException e) {
                channel.close();
                done.completeExceptionally(new java.io.IOException("gzip: could not set up the pipeline: " + e, e));
            }
        };
        // At once when called on the event loop (from an acceptor, as the platform does): a task queued for later
        // could run after the first read, and those bytes would pass uncompressed.
        if (channel.eventLoop().inEventLoop()) {
            install.run();
        } else {
            channel.eventLoop().execute(install);
        }
        return done;
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return Optional.of(SECTION);
    }
}
