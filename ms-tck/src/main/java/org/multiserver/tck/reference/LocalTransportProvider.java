package org.multiserver.tck.reference;

import io.netty.channel.EventLoopGroup;
import java.util.List;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/**
 * The kit's reference transport, {@code local:<name>}: Netty's in-JVM {@code LocalChannel}s, with the flow control
 * and half-close that plain local channels lack, so a transform can be verified without any network plugin.
 *
 * <ul>
 *   <li>Dial {@code local:<name>}; a name is 1 to 64 of {@code a-z 0-9 -} (lower case: Netty's local addresses
 *       ignore case, so upper case is rejected rather than silently folded).</li>
 *   <li>Listen with the spec {@code local} for a fresh name (the "port 0" of this transport) or {@code local:<name>};
 *       the listener prints {@code local:<name>} for the {@code device} scope only, since nothing outside this JVM
 *       can reach it.</li>
 *   <li>Half-close is emulated: {@link org.multiserver.spi.EndOfOutput} travels in-band as a marker object and
 *       becomes {@link io.netty.channel.socket.ChannelInputShutdownEvent} on the peer; turn it off with
 *       {@link #HALF_CLOSE} to get a transport that closes on end of output, like WebSockets.</li>
 * </ul>
 *
 * <p>Not listed in {@code META-INF/services}: the kit is a test dependency, and a {@code local} transport turning up
 * in every test class path would surprise. Add it explicitly, for example with {@code MultiServer.Builder.plugin}.
 */
public final class LocalTransportProvider implements TransportProvider {

    /** Whether {@link org.multiserver.spi.EndOfOutput} half-closes (default) or closes the connection. */
    public static final Option<Boolean> HALF_CLOSE = Option.flag("local.half-close", true);

    /**
     * The event loops local channels run on. Netty 4.2 registers a local channel only on a loop whose I/O handler
     * takes local handles (or on a plain {@code DefaultEventLoop}); the platform's shared group is NIO or epoll and
     * cannot host them. Default: the context's group when it can, else one group shared by the whole JVM, made on
     * first use from daemon threads. The verification kit passes a group it owns per test class.
     */
    public static final Option<EventLoopGroup> EVENT_LOOPS = new Option<>("local.event-loops", EventLoopGroup.class,
            null, text -> {
                throw new IllegalArgumentException("an event loop group cannot be given as text");
            });

    @Override
    public String name() {
        return LocalTransport.NAME;
    }

    @Override
    public Transport create(PluginContext context) {
        return new LocalTransport(context, LocalLoops.choose(context, context.option(EVENT_LOOPS)),
                context.option(HALF_CLOSE));
    }

    @Override
    public List<Option<?>> options() {
        return List.of(HALF_CLOSE, EVENT_LOOPS);
    }
}
