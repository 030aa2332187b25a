package org.multiserver.core;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.multiserver.spi.PluginContext.LoopKind;

/** The one event loop group a MultiServer shares: NIO, or native epoll when asked for and it loads. */
record EventLoops(EventLoopGroup group, Class<? extends SocketChannel> socketChannelType,
                  Class<? extends ServerSocketChannel> serverSocketChannelType, boolean nativeTransport) {

    LoopKind kind() {
        return nativeTransport ? LoopKind.EPOLL : LoopKind.NIO;
    }

    /**
     * One loop per core, where Netty's own default is two: every loop here does CPU-bound work (handshake crypto,
     * ciphers), and a loop more than the cores only adds wake-ups and context switches. Measured with a JS client on
     * 2 cores: 91 µs of server CPU per plain TCP connection with 4 loops, 76 with 2, 61 with 1 (docs/PERFORMANCE.md).
     * Netty's {@code io.netty.eventLoopThreads} property still overrides it.
     */
    static int defaultThreads() {
        return Math.max(1, Integer.getInteger("io.netty.eventLoopThreads", Runtime.getRuntime().availableProcessors()));
    }

    static EventLoops create(int requested, boolean preferNative) {
        int threads = requested > 0 ? requested : defaultThreads();
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("multiserver", true);
        if (preferNative && Epoll.isAvailable()) {
            IoHandlerFactory epoll = EpollIoHandler.newFactory();
            return new EventLoops(new MultiThreadIoEventLoopGroup(threads, threadFactory, epoll),
                    EpollSocketChannel.class, EpollServerSocketChannel.class, true);
        }
        return new EventLoops(new MultiThreadIoEventLoopGroup(threads, threadFactory, NioIoHandler.newFactory()),
                NioSocketChannel.class, NioServerSocketChannel.class, false);
    }
}
