package org.multiserver.ws;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.multiserver.address.Section;
import org.multiserver.spi.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of an accepted connection, until it becomes a WebSocket: answers plain requests (404 by default, or
 * the user's responder or handler), refuses bad upgrades with a status and a one-line reason, and upgrades good ones
 * with Netty's RFC 6455 handshaker. Only then is the channel handed to the acceptor, with {@link WsFrameCodec} last
 * in the pipeline. A connection that has not upgraded within the handshake timeout is closed. Failures never reach
 * the acceptor: they are logged at debug level, and the server goes on serving.
 */
final class WsServerHandshake extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String NAME = "ws-upgrade";
    private static final String HTTP_HANDLER = "ws-http";
    /** Plain requests are aggregated up to this size; a bigger body gets 413 from the aggregator. */
    private static final int MAX_REQUEST = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(WsServerHandshake.class);

    /**
     * What every connection of one server shares.
     *
     * @param path        the only path upgrades are accepted on, or null for any path (as the JS plugin does)
     * @param responder   answers plain HTTP requests, or null for the default 404
     * @param httpHandler makes a Netty handler for plain HTTP requests, or null
     * @param origins     the origins whose pages may upgrade, or null for any ({@link WsOptions#ORIGINS})
     */
    record Config(boolean secure, String path, int maxFrameSize, Duration handshakeTimeout,
                  Function<FullHttpRequest, FullHttpResponse> responder, Supplier<ChannelHandler> httpHandler,
                  SslContext ssl, AllowedOrigins origins) {
    }

    private final Config config;
    private final Transport.Acceptor acceptor;
    private final Section tcpRemote;
    private ScheduledFuture<?> deadline;
    private boolean upgrading;

    private WsServerHandshake(Config config, Transport.Acceptor acceptor, Section tcpRemote) {
        super(FullHttpRequest.class);
        this.config = config;
        this.acceptor = acceptor;
        this.tcpRemote = tcpRemote;
    }

    /** Sets up the HTTP side of a connection the net transport accepted. */
    static void install(Channel channel, Config config, Transport.Acceptor acceptor) {
        // A FIN without a close frame is the end of the connection, not a half-close.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
        Section tcpRemote = ipSection(remote);
        WsServerHandshake handshake = new WsServerHandshake(config, acceptor, tcpRemote);
        ChannelPipeline p = channel.pipeline();
        if (config.ssl() != null) {
            p.addLast("ws-tls", config.ssl().newHandler(channel.alloc()));
        }
        p.addLast("ws-http-codec", new HttpServerCodec());
        p.addLast("ws-http-aggregator", new HttpObjectAggregator(MAX_REQUEST));
        p.addLast(NAME, handshake);
        if (config.httpHandler() != null) {
            p.addLast(HTTP_HANDLER, config.httpHandler().get());
        }
        handshake.deadline = channel.eventLoop().schedule(() -> {
            if (channel.isActive()) {
                LOG.debug("{}: no WebSocket upgrade within {} ms, closing", tcpRemote,
                        config.handshakeTimeout().toMillis());
                channel.close();
            }
        }, config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> handshake.deadline.cancel(false));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (upgrading) {
            return; // a pipelined request after the upgrade request: not HTTP any more
        }
        if (request.decoderResult().isFailure()) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: "
                    + Tls.rootMessage(request.decoderResult().cause()), null);
            return;
        }
        if (!request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            plain(ctx, request);
            return;
        }
        String refused = refusedOrigin(request);
        if (refused != null) {
            refuse(ctx, HttpResponseStatus.FORBIDDEN, "pages from the origin '" + refused + "' may not connect"
                    + " (" + WsOptions.ORIGINS.name() + ")", null);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (config.path() != null && !config.path().equals(path)) {
            refuse(ctx, HttpResponseStatus.NOT_FOUND, "no WebSocket endpoint at " + path + " (try "
                    + config.path() + ")", null);
            return;
        }
        String version = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (!"13".equals(version)) {
            refuse(ctx, HttpResponseStatus.UPGRADE_REQUIRED, "unsupported WebSocket version "
                    + (version == null ? "(no Sec-WebSocket-Version header)" : "'" + version + "'")
                    + "; this server speaks version 13 (RFC 6455)", "13");
            return;
        }
        WebSocketDecoderConfig decoder = decoderConfig(config.maxFrameSize(), true);
        String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
        WebSocketServerHandshaker13 handshaker = new WebSocketServerHandshaker13(
                (config.secure() ? "wss://" : "ws://") + host + path, null, decoder);
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        ChannelFuture done;
        try {
            done = handshaker.handshake(ctx.channel(), request);
        } catch (WebSocketHandshakeException e) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "bad WebSocket upgrade: " + e.getMessage(), null);
            return;
        }
        upgrading = true;
        done.addListener(f -> {
            if (f.isSuccess()) {
                upgraded(ctx, origin);
            } else {
                LOG.debug("{}: WebSocket handshake failed: {}", tcpRemote, Tls.rootMessage(f.cause()));
                ctx.close();
            }
        });
    }

    /**
     * The first {@code Origin} of the request that the allow-list refuses, or null: none is set, the request has no
     * {@code Origin} (not a browser), or every one it carries is allowed.
     */
    private String refusedOrigin(FullHttpRequest request) {
        if (config.origins() == null) {
            return null;
        }
        for (String origin : request.headers().getAll(HttpHeaderNames.ORIGIN)) {
            if (!config.origins().allows(origin)) {
                return origin;
            }
        }
        return null;
    }

    /**
     * Frames from a client are masked, from a server not. On a protocol violation the decoder only raises the error:
     * {@link WsFrameCodec} sends the close frame and closes (the decoder's own close would pass through the
     * pipeline's {@code close()} and make us send a second close frame). {@code closeOnProtocolViolation} is the
     * switch Netty added for exactly this (https://github.com/netty/netty/issues/8295).
     */
    static WebSocketDecoderConfig decoderConfig(int maxFrameSize, boolean fromClients) {
        return WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameSize)
                .expectMaskedFrames(fromClients)
                .allowMaskMismatch(false)
                .allowExtensions(false)
                .closeOnProtocolViolation(false)
                .withUTF8Validator(false)
                .build();
    }

    private void upgraded(ChannelHandlerContext ctx, String origin) {
        Channel channel = ctx.channel();
        deadline.cancel(false);
        if (!channel.isActive()) {
            return;
        }
        Section remote = remoteSection((InetSocketAddress) channel.remoteAddress(), origin);
        ChannelPipeline p = channel.pipeline();
        if (p.context(HTTP_HANDLER) != null) {
            p.remove(HTTP_HANDLER);
        }
        p.addLast(WsFrameCodec.NAME, new WsFrameCodec(remote, config.maxFrameSize(), config.handshakeTimeout()));
        p.remove(this);
        try {
            acceptor.accept(channel, remote);
        } catch (RuntimeException e) {
            LOG.debug("{}: the acceptor failed: {}", remote, e.toString());
            channel.close();
        }
    }

    /** A request that is not an upgrade: the user's handler or responder, or 404. */
    private void plain(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (config.httpHandler() != null) {
            ctx.fireChannelRead(request.retain());
            return;
        }
        FullHttpResponse response = null;
        if (config.responder() != null) {
            try {
                response = config.responder().apply(request);
            } catch (RuntimeException e) {
                LOG.debug("{}: the HTTP responder failed on {} {}: {}", tcpRemote, request.method(), request.uri(),
                        e.toString());
                response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "500 Internal Server Error\n");
            }
        }
        if (response == null) {
            response = text(HttpResponseStatus.NOT_FOUND, "404 Not Found: this is a multiserver WebSocket endpoint;"
                    + " connect with a WebSocket client\n");
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Answers a request we cannot upgrade with a status and a one-line reason, then closes. */
    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason, String version) {
        LOG.debug("{}: refused: {} {}", tcpRemote, status.code(), reason);
        FullHttpResponse response = text(status, status.code() + " " + status.reasonPhrase() + ": " + reason + "\n");
        if (version != null) {
            response.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, version);
        }
        HttpUtil.setContentLength(response, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: closed before the WebSocket upgrade: {}", tcpRemote, Tls.rootMessage(cause));
        ctx.close();
    }

    /**
     * The peer as the JS plugin names it: {@code ws:<ip>:<port>}; but a connection from 127.0.0.1 or ::1 that
     * carries an {@code Origin} header is taken to come from a browser on this machine and is named by its origin,
     * {@code http} turned into {@code ws} ({@code http://127.0.0.1:8080} becomes {@code ws://127.0.0.1:8080}), and
     * the origin {@code null} becomes {@code ws:null}. A remote peer's Origin is never trusted.
     */
    static Section remoteSection(InetSocketAddress remote, String origin) {
        InetAddress ip = remote.getAddress();
        boolean loopback = "127.0.0.1".equals(ip.getHostAddress())
                || (ip instanceof Inet6Address && ip.isLoopbackAddress());
        if (loopback && origin != null) {
            if (origin.equals("null")) {
                return Section.of(WsAddress.WS, "null");
            }
            if (origin.startsWith("http://") || origin.startsWith("https://")) {
                String ws = "ws" + origin.substring("http".length());
                int colon = ws.indexOf(':');
                try {
                    return Section.of(ws.substring(0, colon), Arrays.asList(ws.substring(colon + 1).split(":", -1)));
                } catch (IllegalArgumentException e) {
                    // An origin no address can carry: name the peer by its socket instead.
                }
            }
        }
        return ipSection(remote);
    }

    /** {@code ws:<ip>:<port>}, IPv6 unbracketed and split at its colons as JS prints it. */
    static Section ipSection(InetSocketAddress remote) {
        InetAddress ip = remote.getAddress();
        String host = ip instanceof Inet6Address ? WsAddress.compress(ip.getHostAddress()) : ip.getHostAddress();
        List<String> items = new java.util.ArrayList<>(Arrays.asList(host.split(":", -1)));
        items.add(Integer.toString(remote.getPort()));
        return Section.of(WsAddress.WS, items);
    }
}
