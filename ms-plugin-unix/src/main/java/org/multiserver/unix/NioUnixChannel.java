package org.multiserver.unix;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.AbstractNioByteChannel;
import io.netty.channel.nio.NioIoOps;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannelConfig;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * A unix domain socket on NIO event loops that can half-close. Netty 4.2.18 ships {@code NioDomainSocketChannel}
 * (added in https://github.com/netty/netty/pull/13965), but it cannot keep reading after the peer ended its side:
 * {@code AbstractNioByteChannel.isAllowHalfClosure} honours {@code ALLOW_HALF_CLOSURE} only when the config is a
 * {@link SocketChannelConfig}, and that channel's config is a {@code DuplexChannelConfig} (which has the flag since
 * https://github.com/netty/netty/pull/10701, but is not checked there), so end of input closes the whole channel and
 * the server can never answer after the client's end. No upstream issue reports this: a search of netty/netty's
 * issues and pull requests (December 2026) found none, so there is nothing to link and nothing to wait for; it is
 * worth filing. This channel is the same idea (a JDK {@code SocketChannel} of the UNIX family, Java 16+) with a
 * config that is a {@link SocketChannelConfig}. Being our own, it also runs on the platform's shared NIO group,
 * which epoll's domain sockets cannot.
 */
final class NioUnixChannel extends AbstractNioByteChannel implements DuplexChannel {
    private final Config config;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

    /** A client channel. */
    NioUnixChannel() {
        this(null, open());
    }

    /** An accepted channel. */
    NioUnixChannel(Channel parent, SocketChannel socket) {
        super(parent, socket);
        this.config = new Config(socket);
    }

    private static SocketChannel open() {
        try {
            return SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new ChannelException("cannot open a unix domain socket", e);
        }
    }

    @Override
    protected SocketChannel javaChannel() {
        return (SocketChannel) super.javaChannel();
    }

    @Override
    public SocketChannelConfig config() {
        return config;
    }

    @Override
    public boolean isActive() {
        SocketChannel ch = javaChannel();
        return ch.isOpen() && ch.isConnected();
    }

    // ---- half-close ----

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !isActive();
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || !isActive();
    }

    @Override
    public boolean isShutdown() {
        return isInputShutdown() && isOutputShutdown() || !isActive();
    }

    @Override
    protected boolean isInputShutdown0() {
        return isInputShutdown();
    }

    @Override
    protected void doShutdownOutput() throws Exception {
        javaChannel().shutdownOutput();
        outputShutdown = true;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        // The unsafe's shutdownOutput fails writes still queued and then calls doShutdownOutput, on the loop.
        onLoop(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
        return promise;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        onLoop(() -> {
            try {
                javaChannel().shutdownInput();
                inputShutdown = true;
                promise.setSuccess();
            } catch (Throwable t) {
                promise.setFailure(t);
            }
        });
        return promise;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        shutdownOutput().addListener(output -> shutdownInput().addListener(input -> {
            Throwable failure = output.cause() != null ? output.cause() : input.cause();
            if (failure == null) {
                promise.setSuccess();
            } else {
                promise.setFailure(failure);
            }
        }));
        return promise;
    }

    private void onLoop(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    // ---- the socket ----

    @Override
    protected SocketAddress localAddress0() {
        try {
            return javaChannel().getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected SocketAddress remoteAddress0() {
        try {
            return javaChannel().getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        javaChannel().bind(localAddress);
    }

    @Override
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress) throws Exception {
        if (localAddress != null) {
            doBind(localAddress);
        }
        boolean success = false;
        try {
            boolean connected = javaChannel().connect(remoteAddress);
            if (!connected) {
                addAndSubmit(NioIoOps.CONNECT);
            }
            success = true;
            return connected;
        } finally {
            if (!success) {
                doClose();
            }
        }
    }

    @Override
    protected void doFinishConnect() throws Exception {
        if (!javaChannel().finishConnect()) {
            throw new IllegalStateException("finishConnect() found the unix socket still connecting");
        }
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            javaChannel().close();
        }
    }

    @Override
    protected int doReadBytes(ByteBuf buf) throws Exception {
        var handle = unsafe().recvBufAllocHandle(); // Handle is deprecated in 4.2, yet what Netty reads with
        handle.attemptedBytesRead(buf.writableBytes());
        return buf.writeBytes(javaChannel(), handle.attemptedBytesRead());
    }

    @Override
    protected int doWriteBytes(ByteBuf buf) throws Exception {
        return buf.readBytes(javaChannel(), buf.readableBytes());
    }

    @Override
    protected long doWriteFileRegion(FileRegion region) throws Exception {
        return region.transferTo(javaChannel(), region.transferred());
    }

    /**
     * A {@link SocketChannelConfig} so that Netty honours {@link #isAllowHalfClosure()}. The TCP knobs (no-delay,
     * linger, keep-alive, traffic class, reuse-address) mean nothing on a unix socket: reading them gives the neutral
     * value, setting them is refused.
     */
    private final class Config extends DefaultChannelConfig implements SocketChannelConfig {
        private final SocketChannel socket;
        private volatile boolean allowHalfClosure;

        Config(SocketChannel socket) {
            super(NioUnixChannel.this);
            this.socket = socket;
        }

        @Override
        protected void autoReadCleared() {
            // As Netty's NIO socket does: a read requested before autoRead went off must not still happen.
            clearReadPending();
        }

        @Override
        public Map<ChannelOption<?>, Object> getOptions() {
            return getOptions(super.getOptions(), ChannelOption.ALLOW_HALF_CLOSURE, ChannelOption.SO_SNDBUF,
                    ChannelOption.SO_RCVBUF);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(ChannelOption<T> option) {
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                return (T) Boolean.valueOf(isAllowHalfClosure());
            }
            if (option == ChannelOption.SO_SNDBUF) {
                return (T) Integer.valueOf(getSendBufferSize());
            }
            if (option == ChannelOption.SO_RCVBUF) {
                return (T) Integer.valueOf(getReceiveBufferSize());
            }
            return super.getOption(option);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            validate(option, value);
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                setAllowHalfClosure((Boolean) value);
            } else if (option == ChannelOption.SO_SNDBUF) {
                setSendBufferSize((Integer) value);
            } else if (option == ChannelOption.SO_RCVBUF) {
                setReceiveBufferSize((Integer) value);
            } else {
                return super.setOption(option, value);
            }
            return true;
        }

        @Override
        public boolean isAllowHalfClosure() {
            return allowHalfClosure;
        }

        @Override
        public Config setAllowHalfClosure(boolean allowHalfClosure) {
            this.allowHalfClosure = allowHalfClosure;
            return this;
        }

        @Override
        public int getSendBufferSize() {
            return socketOption(StandardSocketOptions.SO_SNDBUF);
        }

        @Override
        public Config setSendBufferSize(int size) {
            setSocketOption(StandardSocketOptions.SO_SNDBUF, size);
            return this;
        }

        @Override
        public int getReceiveBufferSize() {
            return socketOption(StandardSocketOptions.SO_RCVBUF);
        }

        @Override
        public Config setReceiveBufferSize(int size) {
            setSocketOption(StandardSocketOptions.SO_RCVBUF, size);
            return this;
        }

        private int socketOption(SocketOption<Integer> option) {
            try {
                return socket.getOption(option);
            } catch (IOException e) {
                throw new ChannelException(e);
            }
        }

        private void setSocketOption(SocketOption<Integer> option, int value) {
            try {
                socket.setOption(option, value);
            } catch (IOException e) {
                throw new ChannelException(e);
            }
        }

        // ---- TCP only ----

        @Override
        public boolean isTcpNoDelay() {
            return false;
        }

        @Override
        public Config setTcpNoDelay(boolean tcpNoDelay) {
            throw tcpOnly("TCP_NODELAY");
        }

        @Override
        public int getSoLinger() {
            return -1;
        }

        @Override
        public Config setSoLinger(int soLinger) {
            throw tcpOnly("SO_LINGER");
        }

        @Override
        public boolean isKeepAlive() {
            return false;
        }

        @Override
        public Config setKeepAlive(boolean keepAlive) {
            throw tcpOnly("SO_KEEPALIVE");
        }

        @Override
        public int getTrafficClass() {
            return 0;
        }

        @Override
        public Config setTrafficClass(int trafficClass) {
            throw tcpOnly("IP_TOS");
        }

        @Override
        public boolean isReuseAddress() {
            return false;
        }

        @Override
        public Config setReuseAddress(boolean reuseAddress) {
            throw tcpOnly("SO_REUSEADDR");
        }

        @Override
        public Config setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
            throw tcpOnly("performance preferences");
        }

        private UnsupportedOperationException tcpOnly(String what) {
            return new UnsupportedOperationException(what + " does not apply to a unix domain socket");
        }

        // ---- the generic setters, narrowed to this type as SocketChannelConfig requires ----

        @Override
        public Config setConnectTimeoutMillis(int millis) {
            super.setConnectTimeoutMillis(millis);
            return this;
        }

        @Override
        @Deprecated
        public Config setMaxMessagesPerRead(int maxMessagesPerRead) {
            super.setMaxMessagesPerRead(maxMessagesPerRead);
            return this;
        }

        @Override
        public Config setWriteSpinCount(int writeSpinCount) {
            super.setWriteSpinCount(writeSpinCount);
            return this;
        }

        @Override
        public Config setAllocator(ByteBufAllocator allocator) {
            super.setAllocator(allocator);
            return this;
        }

        @Override
        public Config setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
            super.setRecvByteBufAllocator(allocator);
            return this;
        }

        @Override
        public Config setAutoRead(boolean autoRead) {
            super.setAutoRead(autoRead);
            return this;
        }

        @Override
        public Config setAutoClose(boolean autoClose) {
            super.setAutoClose(autoClose);
            return this;
        }

        @Override
        public Config setMessageSizeEstimator(MessageSizeEstimator estimator) {
            super.setMessageSizeEstimator(estimator);
            return this;
        }

        @Override
        public Config setWriteBufferWaterMark(WriteBufferWaterMark waterMark) {
            super.setWriteBufferWaterMark(waterMark);
            return this;
        }
    }
}
