package org.multiserver.shs;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.multiserver.spi.EndOfOutput;
import org.multiserver.spi.HalfCloseHandler;

/**
 * Real TCP on 127.0.0.1, port 0: a Java shs echo server and Java shs clients, each pipeline being the transport's
 * half-close handler, the handshake, and a {@link Recorder} as the application.
 */
final class Loopback implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    /** One side of one connection. */
    record Peer(Channel channel, CompletableFuture<byte[]> handshake, Recorder app) {
    }

    /** A bound echo server; {@link #accepted} yields each connection as it arrives. */
    record Server(Channel channel, BlockingQueue<Peer> accepted, ShsKeyPair keys) {
        InetSocketAddress address() {
            return (InetSocketAddress) channel.localAddress();
        }

        Peer next() throws InterruptedException {
            Peer peer = accepted.poll(20, TimeUnit.SECONDS);
            if (peer == null) {
                throw new AssertionError("no connection accepted within 20 s");
            }
            return peer;
        }
    }

    Server echoServer(byte[] appKey, ShsKeyPair keys,
                      Function<byte[], ? extends CompletionStage<Boolean>> authorize, Duration timeout)
            throws InterruptedException {
        BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        CompletableFuture<byte[]> result = new CompletableFuture<>();
                        Recorder echo = new EchoRecorder();
                        ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                        ch.pipeline().addLast("shs-handshake",
                                ShsHandshakeHandler.server("shs-", appKey, keys, authorize, timeout, result));
                        ch.pipeline().addLast("app", echo);
                        accepted.add(new Peer(ch, result, echo));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return new Server(channel, accepted, keys);
    }

    /**
     * An echo server whose connections run {@code transform} the way the platform does: transport half-close
     * handler first, the platform's tail ({@link org.multiserver.spi.Pipelines#TAIL}) last, then
     * {@code wrapServer}. The peer's handshake future yields the identity the layer reports, decoded.
     */
    Server echoServer(org.multiserver.spi.Transform transform, ShsKeyPair keys) throws InterruptedException {
        BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Recorder echo = new EchoRecorder();
                        ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                        ch.pipeline().addLast(org.multiserver.spi.Pipelines.TAIL, echo);
                        accepted.add(new Peer(ch, identity(transform.wrapServer(ch)), echo));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return new Server(channel, accepted, keys);
    }

    /** Connects and runs {@code target} on the connection, as the platform does. */
    Peer connect(InetSocketAddress address, org.multiserver.spi.Transform.Target target)
            throws InterruptedException {
        Recorder app = new Recorder();
        Channel channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                        ch.pipeline().addLast(org.multiserver.spi.Pipelines.TAIL, app);
                    }
                })
                .connect(address).sync().channel();
        return new Peer(channel, identity(target.wrapClient(channel)), app);
    }

    private static CompletableFuture<byte[]> identity(CompletableFuture<org.multiserver.spi.Layer> layer) {
        return layer.thenApply(l -> java.util.Base64.getDecoder().decode(l.identity().orElseThrow()));
    }

    Peer connect(InetSocketAddress address, byte[] appKey, ShsKeyPair keys, byte[] serverKey, Duration timeout)
            throws InterruptedException {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Recorder app = new Recorder();
        Channel channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                        ch.pipeline().addLast("shs-handshake",
                                ShsHandshakeHandler.client("shs-", appKey, keys, serverKey, timeout, result));
                        ch.pipeline().addLast("app", app);
                    }
                })
                .connect(address).sync().channel();
        return new Peer(channel, result, app);
    }

    /** Writes {@code total} pattern bytes in writes of {@code chunk} bytes, then ends our side. */
    static void sendPatternAndEnd(Channel channel, long total, int chunk) {
        long offset = 0;
        while (offset < total) {
            int length = (int) Math.min(chunk, total - offset);
            channel.write(io.netty.buffer.Unpooled.wrappedBuffer(TestBytes.range(offset, length)));
            offset += length;
        }
        channel.writeAndFlush(EndOfOutput.INSTANCE);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Echoes every byte; answers the peer's goodbye with ours. */
    static final class EchoRecorder extends Recorder {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            ctx.write(buf.retainedDuplicate());
            super.channelRead(ctx, msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        void onEvent(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                ctx.writeAndFlush(EndOfOutput.INSTANCE);
            }
        }
    }
}
