package org.multiserver.spi;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;

/**
 * Moves bytes between two machines: TCP, WebSockets, Tor, unix sockets. A transport hands the core a Netty
 * {@link io.netty.channel.Channel} whose pipeline reads and writes {@link io.netty.buffer.ByteBuf}s at its tail;
 * transforms and users add their handlers after the transport's own.
 *
 * <p>Half-close: a transport that can end its write side alone honours {@link EndOfOutput} written through the
 * pipeline and fires {@link io.netty.channel.socket.ChannelInputShutdownEvent} when the peer ended its side. One that
 * cannot (WebSockets) closes the whole channel on {@link EndOfOutput} and says so in {@link #supportsHalfClose()}.
 */
public interface Transport {

    /** The name of this transport's sections, such as {@code net}. */
    String name();

    /**
     * Reads the first section of an address to dial.
     *
     * @return empty when the section is not for this transport (another protocol, or a form it does not dial)
     * @throws org.multiserver.address.AddressSyntaxException when the section is this transport's but malformed,
     *                                                        with the column of the bad item
     */
    Optional<Endpoint> parse(Section section);

    /**
     * Starts serving. The future completes once the server is bound, with a handle that prints the real address;
     * every accepted connection goes to {@code acceptor} once it can carry bytes.
     */
    CompletableFuture<Listener> listen(Acceptor acceptor);

    /** Whether one side can end its writes and still read; see the class comment. */
    default boolean supportsHalfClose() {
        return true;
    }

    /** A parsed address to dial. */
    interface Endpoint {
        /** The canonical section this endpoint came from. */
        Section section();

        /**
         * Opens a connection. Cancelling the returned future aborts the attempt and closes whatever was opened;
         * failures name the address and the reason (refused, unresolvable, timed out).
         */
        CompletableFuture<io.netty.channel.Channel> connect();

        /**
         * Like {@link #connect()}, calling {@code beforeFirstRead} on the channel's event loop before the channel
         * can deliver a byte, so the platform's tail ({@link Pipelines#TAIL}) is in place when a server speaks first.
         * The default calls it once the future completed, which leaves a window where early bytes could pass an
         * empty pipeline's end; transports should override it (a Bootstrap handler is the place).
         */
        default CompletableFuture<io.netty.channel.Channel> connect(
                java.util.function.Consumer<io.netty.channel.Channel> beforeFirstRead) {
            return connect().thenApply(channel -> {
                beforeFirstRead.accept(channel);
                return channel;
            });
        }
    }

    /** Receives the server side of every accepted connection. */
    @FunctionalInterface
    interface Acceptor {
        /**
         * @param channel a connection ready to carry bytes
         * @param remote  the peer as this transport sees it, such as {@code net:127.0.0.1:50123}
         */
        void accept(io.netty.channel.Channel channel, Section remote);
    }
}
