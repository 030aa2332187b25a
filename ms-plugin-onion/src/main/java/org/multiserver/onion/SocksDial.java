package org.multiserver.onion;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.socksx.v5.Socks5CommandResponse;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.proxy.ProxyConnectionEvent;
import io.netty.handler.proxy.Socks5ProxyHandler;
import io.netty.resolver.NoopAddressResolverGroup;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.multiserver.address.Section;
import org.multiserver.spi.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection through SOCKS5 proxies, tried in order until one gets through (the JS plugin tries the tor
 * daemon, then Tor Browser). The host goes to the proxy as a name, unresolved, so a {@code .onion} name is never
 * looked up in DNS here: the bootstrap's resolver does nothing and Netty's {@link Socks5ProxyHandler} sends the
 * name in its CONNECT request. The final error names every proxy and why it failed, with SOCKS reply codes in words.
 */
final class SocksDial {
    private static final Logger LOG = LoggerFactory.getLogger(SocksDial.class);
    private static final String SOCKS = "onion-socks";
    private static final String REPLY = "onion-socks-reply";
    private static final String DONE = "onion-socks-done";

    private final PluginContext context;
    private final List<TorEndpoint> proxies;
    private final Duration timeout;
    private final Section address;
    private final OnionAddress target;
    private final Consumer<Channel> beforeFirstRead;
    private final CompletableFuture<Channel> result = new CompletableFuture<>();
    private final List<String> failures = new ArrayList<>();
    private volatile Channel current;

    SocksDial(PluginContext context, List<TorEndpoint> proxies, Duration timeout, Section address,
              OnionAddress target, Consumer<Channel> beforeFirstRead) {
        this.context = context;
        this.proxies = proxies;
        this.timeout = timeout;
        this.address = address;
        this.target = target;
        this.beforeFirstRead = beforeFirstRead;
    }

    CompletableFuture<Channel> start() {
        result.whenComplete((channel, error) -> {
            if (result.isCancelled()) {
                Channel ch = current;
                if (ch != null) {
                    ch.close();
                }
            }
        });
        attempt(0);
        return result;
    }

    private void attempt(int index) {
        if (result.isDone()) {
            return;
        }
        if (index == proxies.size()) {
            fail("");
            return;
        }
        TorEndpoint proxy = proxies.get(index);
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Socks5ProxyHandler socks;
        try {
            socks = new Socks5ProxyHandler(proxy.socketAddress());
        } catch (RuntimeException e) {
            settle(index, proxy, null, e, null);
            return;
        }
        socks.setConnectTimeoutMillis(millis);
        ReplySpy reply = new ReplySpy();
        Bootstrap bootstrap = new Bootstrap()
                .group(context.eventLoopGroup())
                .channel(context.socketChannelType())
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(CloseOnEndOfOutput.NAME, CloseOnEndOfOutput.INSTANCE);
                        ch.pipeline().addLast(SOCKS, socks);
                        // Between the SOCKS decoder (added before the proxy handler) and the proxy handler.
                        ch.pipeline().addBefore(SOCKS, REPLY, reply);
                        ch.pipeline().addLast(DONE, new SocksDone());
                    }
                });
        AtomicBoolean settled = new AtomicBoolean();
        ChannelFuture connect;
        try {
            connect = bootstrap.connect(InetSocketAddress.createUnresolved(target.host(), target.port()));
        } catch (RuntimeException e) {
            settle(index, proxy, settled, e, null);
            return;
        }
        Channel channel = connect.channel();
        current = channel;
        if (result.isDone()) {
            channel.close(); // cancelled meanwhile
            return;
        }
        // A failed TCP connect to the proxy fails only the connect future; a failed handshake only the proxy's.
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                settle(index, proxy, settled, f.cause(), reply);
            }
        });
        socks.connectFuture().addListener(f -> {
            if (!f.isSuccess()) {
                settle(index, proxy, settled, f.cause(), reply);
                return;
            }
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            // The handshake is over and its codec gone: leave a plain byte pipe to the layers above. Netty may call
            // this later than the end of the exchange, when the peer may have closed and the pipeline is empty.
            for (String name : List.of(REPLY, SOCKS, DONE)) {
                if (channel.pipeline().context(name) != null) {
                    channel.pipeline().remove(name);
                }
            }
            if (!result.complete(channel)) {
                channel.close();
            }
        });
    }

    private void settle(int index, TorEndpoint proxy, AtomicBoolean settled, Throwable error, ReplySpy reply) {
        if (settled != null && !settled.compareAndSet(false, true)) {
            return;
        }
        Channel ch = current;
        if (ch != null) {
            ch.close();
        }
        String why = "SOCKS proxy " + proxy + ": " + describe(error, reply);
        LOG.debug("{}: {}", address, why);
        synchronized (failures) {
            failures.add(why);
        }
        if (reply != null && SocksReply.isAboutTheOnionService(reply.code)) {
            // tor's verdict on the service itself: another proxy asks the same network the same question.
            fail("the onion service is not reachable: ");
            return;
        }
        attempt(index + 1);
    }

    private void fail(String verdict) {
        String all;
        synchronized (failures) {
            all = String.join("; ", failures);
        }
        result.completeExceptionally(new IOException(address + ": " + verdict + all));
    }

    private String describe(Throwable error, ReplySpy reply) {
        if (reply != null && reply.code >= 0 && reply.code != 0) {
            return "answered " + SocksReply.describe(reply.code);
        }
        String message = String.valueOf(error.getMessage());
        if (error instanceof ConnectTimeoutException) {
            return "timed out connecting after " + timeout.toMillis() + " ms";
        }
        if (error instanceof ProxyConnectException) { // before ConnectException, which it extends
            if (message.endsWith("timeout")) {
                return "no answer to the SOCKS request within " + timeout.toMillis() + " ms";
            }
            if (message.endsWith("disconnected")) {
                return "the proxy closed the connection during the SOCKS handshake";
            }
            if (error.getCause() instanceof DecoderException decoding) {
                return "did not answer as a SOCKS5 proxy (" + decoding.getMessage() + ")";
            }
        }
        if (error instanceof ConnectException) {
            return "connection refused (no proxy listens there: is tor running?)";
        }
        if (error instanceof DecoderException) {
            return "did not answer as a SOCKS5 proxy (" + message + ")";
        }
        return message;
    }

    /**
     * Behind the proxy handler. It adds the platform's handlers ({@code beforeFirstRead}) when the proxy handler
     * announces the end of the exchange ({@link ProxyConnectionEvent}, fired on the event loop before the bytes that
     * follow the SOCKS answer go on): a server that speaks first may have sent them in the answer's very packet, and
     * the proxy handler's connect future may notify its listeners only later, after those bytes passed (seen in
     * {@code SocksRepliesTest}). Until then it also swallows the exception the proxy handler fires for a failed
     * handshake, which its connect future reports already and which would reach Netty's tail as a stack trace.
     */
    private final class SocksDone extends ChannelInboundHandlerAdapter {
        private boolean connected;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof ProxyConnectionEvent) || connected) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            connected = true;
            try {
                beforeFirstRead.accept(ctx.channel());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (connected) {
                ctx.fireExceptionCaught(cause);
            } else {
                LOG.trace("SOCKS handshake failed: {}", cause.toString());
            }
        }
    }

    /** Remembers the reply code of the SOCKS CONNECT answer, which Netty's handler only puts in a message text. */
    private static final class ReplySpy extends ChannelInboundHandlerAdapter {
        volatile int code = -1;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Socks5CommandResponse response) {
                code = response.status().byteValue() & 0xff;
            }
            ctx.fireChannelRead(msg);
        }
    }
}
