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

    static EventLoops create(int threads, boolean preferNative) {
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
