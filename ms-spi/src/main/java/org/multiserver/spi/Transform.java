package org.multiserver.spi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.multiserver.address.Section;

/**
 * Wraps an established connection: encryption and authentication ({@code shs}), compression. A transform adds its
 * handlers to the pipeline under names starting with its own {@link #name()}, enforces its own deadline, and
 * completes its future only when the pipeline is final; on failure it closes the channel and completes
 * exceptionally with an error naming the phase. Bytes that arrived with its last handshake message must reach the
 * next layer. {@link HandshakeHandler} does all of that for a handshake of fixed-size messages;
 * {@link #withoutHandshake} makes a transform that only adds handlers.
 *
 * <p>Threading: the platform calls {@link #wrapServer} and {@link Target#wrapClient} on the channel's event loop,
 * before the bytes of the channel's first read reach the transform's place. The first transform of a server's stack
 * is wrapped from the transport's accept; the first of a client's once the connect completed (the connection is
 * established), while a {@link ReadGate} put in by {@code beforeFirstRead} of
 * {@link Transport.Endpoint#connect(java.util.function.Consumer)} holds what arrived; each next one from the
 * completion of the previous one's future, which a {@link HandshakeHandler} completes on the event loop before it
 * hands on the bytes behind its last message. A wrap that adds its handlers at once therefore sees every byte; one
 * that hands the work to another thread may miss the first.
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

    /**
     * A transform without a handshake, the same on both sides, such as compression: its sections are just
     * {@code name} (data is a syntax error), it prints {@code name} for every scope, and its wraps run
     * {@code install} on the event loop (handlers go in with {@link Pipelines#addLast}, named after the transform),
     * then complete with an anonymous layer. An exception from {@code install} closes the channel and fails the
     * wrap.
     */
    static Transform withoutHandshake(String name, Consumer<ChannelPipeline> install) {
        return new PlainTransform(name, install);
    }

    /** A parsed section, ready to run the client side. */
    interface Target {
        Section section();

        /** Runs the client side on an established connection. */
        CompletableFuture<Layer> wrapClient(Channel channel);
    }
}
