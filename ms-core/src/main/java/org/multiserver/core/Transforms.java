package org.multiserver.core;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.multiserver.address.Address;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;

/** What dialling and accepting share: running a stack's transforms, and the connection they leave. */
final class Transforms {
    private Transforms() {
    }

    /** Runs {@code count} transforms one after another, each on the channel the previous one left. */
    static CompletableFuture<List<Layer>> run(int count, IntFunction<CompletableFuture<Layer>> step) {
        CompletableFuture<List<Layer>> chain = CompletableFuture.completedFuture(new ArrayList<>());
        for (int i = 0; i < count; i++) {
            int index = i;
            chain = chain.thenCompose(list -> {
                CompletableFuture<Layer> next;
                try {
                    next = step.apply(index);
                } catch (RuntimeException e) {
                    next = CompletableFuture.failedFuture(e);
                }
                return next.thenApply(layer -> {
                    list.add(layer);
                    return list;
                });
            });
        }
        return chain;
    }

    /** The connection over {@code channel}: its address is the transport's section, then each layer's. */
    static Connection connection(Channel channel, Section remote, List<Layer> layers, boolean client,
                                 StreamHandler stream) {
        List<Section> sections = new ArrayList<>();
        sections.add(remote);
        Optional<String> identity = Optional.empty();
        for (Layer layer : layers) {
            sections.add(layer.remote());
            if (layer.identity().isPresent()) {
                identity = layer.identity();
            }
        }
        return new Connection(channel, new Address(sections), identity, client, stream);
    }
}
