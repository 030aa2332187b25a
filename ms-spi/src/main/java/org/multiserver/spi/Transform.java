package org.multiserver.spi;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;

/**
 * Wraps an established connection: encryption and authentication ({@code shs}), compression. A transform adds its
 * handlers to the pipeline under names starting with its own {@link #name()}, enforces its own deadline, and
 * completes its future only when the pipeline is final; on failure it closes the channel and completes
 * exceptionally with an error naming the phase. Bytes that arrived with its last handshake message must reach the
 * next layer.
 */
public interface Transform {

    /** The name of this transform's sections, such as {@code shs}. */
    String name();

    /**
     * Reads a section of an address to dial.
     *
     * @return empty when the section is not for this transform
     * @throws org.multiserver.address.AddressSyntaxException when it is this transform's but malformed
     */
    Optional<Target> parse(Section section);

    /** Runs the server side on an accepted connection. */
    CompletableFuture<Layer> wrapServer(Channel channel);

    /**
     * The section a client needs to reach us through this transform, such as {@code shs:<our key>}; empty when the
     * transform adds nothing to the address for that scope.
     */
    Optional<Section> stringify(Scope scope);

    /** A parsed section, ready to run the client side. */
    interface Target {
        Section section();

        /** Runs the client side on an established connection. */
        CompletableFuture<Layer> wrapClient(Channel channel);
    }
}
