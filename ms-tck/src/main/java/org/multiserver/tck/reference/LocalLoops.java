package org.multiserver.tck.reference;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandle;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.multiserver.spi.PluginContext;

/** Where local channels run; see {@link LocalTransportProvider#EVENT_LOOPS}. */
final class LocalLoops {
    private LocalLoops() {
    }

    static EventLoopGroup choose(PluginContext context, EventLoopGroup given) {
        if (given != null) {
            return given;
        }
        if (hostsLocalChannels(context.eventLoopGroup())) {
            return context.eventLoopGroup();
        }
        return Shared.GROUP;
    }

    static boolean hostsLocalChannels(EventLoopGroup group) {
        EventLoop loop = group.next();
        return !(loop instanceof IoEventLoop io) || io.isCompatible(LocalIoHandle.class);
    }

    /**
     * The JVM-wide fallback, made on first use. Its threads are daemons and start only when a channel needs one,
     * and nothing here can close it: the SPI gives a plugin no moment to (see the kit's README, "SPI gaps").
     */
    private static final class Shared {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory("multiserver-local", true), LocalIoHandler.newFactory());
    }
}
