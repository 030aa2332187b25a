package org.multiserver.unix;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.AbstractNioChannel;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.multiserver.spi.PluginContext;

/**
 * The unix domain socket channels that fit the platform's event loops. A Netty channel only registers with loops of
 * its own kind, and the platform shares one group between every stack: NIO by default, epoll when the user asked for
 * native transport. So unix follows the group instead of owning one.
 */
enum DomainSockets {
    /** Our own half-closable channels over the JDK's unix sockets (Java 16+). */
    NIO {
        @Override
        ChannelFactory<? extends Channel> client() {
            return NioUnixChannel::new;
        }

        @Override
        ChannelFactory<? extends ServerChannel> server() {
            return NioUnixServerChannel::new;
        }

        @Override
        SocketAddress address(Path path) {
            return UnixDomainSocketAddress.of(path);
        }
    },
    /** Netty's native ones; they honour ALLOW_HALF_CLOSURE themselves. */
    EPOLL {
        @Override
        ChannelFactory<? extends Channel> client() {
            return io.netty.channel.epoll.EpollDomainSocketChannel::new;
        }

        @Override
        ChannelFactory<? extends ServerChannel> server() {
            return io.netty.channel.epoll.EpollServerDomainSocketChannel::new;
        }

        @Override
        SocketAddress address(Path path) {
            return new io.netty.channel.unix.DomainSocketAddress(path.toString());
        }
    };

    abstract ChannelFactory<? extends Channel> client();

    abstract ChannelFactory<? extends ServerChannel> server();

    abstract SocketAddress address(Path path);

    /** The kind that registers with {@code context}'s event loops, judged by its TCP channel type. */
    static DomainSockets forLoopsOf(PluginContext context) {
        Class<?> tcp = context.socketChannelType();
        if (AbstractNioChannel.class.isAssignableFrom(tcp)) {
            return NIO;
        }
        if (tcp.getName().startsWith("io.netty.channel.epoll.")) {
            return EPOLL;
        }
        throw new IllegalStateException("unix: no unix domain socket channel runs on the event loops of "
                + tcp.getName() + " (NIO and epoll are supported)");
    }
}
