package org.multiserver.ws;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.multiserver.address.Section;

/**
 * The client side of the upgrade on a connected channel: TLS for wss, the RFC 6455 upgrade request, and the check of
 * the answer. The future completes with the channel only when the handshake is done and {@link WsFrameCodec} is the
 * last handler; on failure (TLS, a refusal with its HTTP status, a close, the deadline) the channel is closed and the
 * error names the address.
 *
 * <p>The caller's {@code beforeFirstRead} runs on the event loop while the 101 answer is being handled: after the
 * frame handlers are in place and before the bytes that followed the answer (in the same read or later) are decoded,
 * so a handler it adds sees every byte of a server that speaks first.
 */
final class WsClientHandshake extends SimpleChannelInboundHandler<FullHttpResponse> {
    static final String NAME = "ws-handshake";
    /** A refusal's body is quoted in the error up to this many characters. */
    private static final int QUOTED_BODY = 200;

    private final WsAddress target;
    private final Section address;
    private final int maxFrameSize;
    private final Duration timeout;
    private final CompletableFuture<Channel> result;
    private final Consumer<Channel> beforeFirstRead;
    private final Handshaker handshaker;
    private ScheduledFuture<?> deadline;

    private WsClientHandshake(WsAddress target, int maxFrameSize, Duration timeout,
                              CompletableFuture<Channel> result, Consumer<Channel> beforeFirstRead) {
        super(FullHttpResponse.class);
        this.target = target;
        this.address = target.section();
        this.maxFrameSize = maxFrameSize;
        this.timeout = timeout;
        this.result = result;
        this.beforeFirstRead = beforeFirstRead;
        this.handshaker = new Handshaker(target, maxFrameSize);
    }

    /**
     * Netty's RFC 6455 client handshake with our frame decoder and no {@code Origin} header. The decoder is the
     * server's configuration for unmasked frames: on a protocol violation it only raises the error, and
     * {@link WsFrameCodec} sends the close frame and closes (Netty's default client decoder closes by itself). Netty
     * offers no {@code WebSocketDecoderConfig} for clients; overriding {@code newWebsocketDecoder()} is the extension
     * point it opened for that (https://github.com/netty/netty/pull/13009).
     */
    private static final class Handshaker extends WebSocketClientHandshaker13 {
        private final int maxFrameSize;

        Handshaker(WsAddress target, int maxFrameSize) {
            super(target.uri(), WebSocketVersion.V13, null, false, null, maxFrameSize, true, false, -1);
            this.maxFrameSize = maxFrameSize;
        }

        @Override
        protected WebSocketFrameEncoder newWebSocketEncoder() {
            return new MaskingFrameEncoder();
        }

        @Override
        protected WebSocketFrameDecoder newWebsocketDecoder() {
            return new WebSocket13FrameDecoder(WsServerHandshake.decoderConfig(maxFrameSize, false));
        }

        /**
         * No Origin header: we are not a browser, and a JS server names non-browser peers by their socket. Netty's
         * public constructors always add one (https://github.com/netty/netty/issues/9673; the switch added by
         * https://github.com/netty/netty/pull/12941 is reachable only through its factory, which fixes the decoder).
         */
        @Override
        protected FullHttpRequest newHandshakeRequest() {
            FullHttpRequest request = super.newHandshakeRequest();
            request.headers().remove(HttpHeaderNames.ORIGIN);
            return request;
        }
    }

    /**
     * Starts the handshake on {@code channel} (on its event loop); completes {@code result}. {@code beforeFirstRead}
     * runs once the upgrade is done, before any application byte is read.
     */
    static void start(Channel channel, WsAddress target, SslContext ssl, int maxFrameSize, Duration timeout,
                      CompletableFuture<Channel> result, Consumer<Channel> beforeFirstRead) {
        WsClientHandshake handshake = new WsClientHandshake(target, maxFrameSize, timeout, result, beforeFirstRead);
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        ChannelPipeline p = channel.pipeline();
        if (ssl != null) {
            SslHandler tls = ssl.newHandler(channel.alloc(), target.host(), target.portOrDefault());
            p.addLast("ws-tls", tls);
        }
        p.addLast("ws-http-codec", new HttpClientCodec());
        p.addLast("ws-http-aggregator", new HttpObjectAggregator(64 * 1024));
        p.addLast(NAME, handshake);
        handshake.deadline = channel.eventLoop().schedule(() -> handshake.fail(channel, new IOException(
                handshake.address + ": the WebSocket handshake timed out after " + timeout.toMillis() + " ms")),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
        handshake.handshaker.handshake(channel).addListener(f -> {
            if (!f.isSuccess()) {
                handshake.fail(channel, handshake.describe(f.cause()));
            }
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        if (result.isDone()) {
            return;
        }
        if (response.decoderResult().isFailure()) {
            fail(ctx.channel(), new IOException(address + ": the WebSocket handshake got no HTTP answer: "
                    + Tls.rootMessage(response.decoderResult().cause())));
            return;
        }
        try {
            handshaker.finishHandshake(ctx.channel(), response);
        } catch (WebSocketClientHandshakeException e) {
            String body = response.content().toString(StandardCharsets.UTF_8).strip();
            if (body.length() > QUOTED_BODY) {
                body = body.substring(0, QUOTED_BODY) + "...";
            }
            String why = response.status().code() == 101
                    ? "bad WebSocket handshake answer: " + e.getMessage()
                    : "WebSocket handshake refused with HTTP " + response.status().code() + " "
                            + response.status().reasonPhrase() + (body.isEmpty() ? "" : ": " + body);
            fail(ctx.channel(), new IOException(address + ": " + why, e));
            return;
        }
        deadline.cancel(false);
        if (result.isDone()) {
            ctx.close(); // cancelled meanwhile
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        p.addLast(WsFrameCodec.NAME, new WsFrameCodec(address, maxFrameSize, timeout));
        p.remove(this);
        // Still inside the read that brought the 101: bytes that came with it are decoded after this returns (the
        // HTTP codec passes them on once upgraded), so what beforeFirstRead adds sees them all.
        try {
            beforeFirstRead.accept(ctx.channel());
        } catch (RuntimeException e) {
            fail(ctx.channel(), new IOException(address + ": setting up the connection failed: " + e, e));
            return;
        }
        if (!result.complete(ctx.channel())) {
            ctx.close(); // cancelled meanwhile
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx.channel(), describe(cause));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx.channel(), new IOException(address + ": the connection closed during the WebSocket handshake"));
        ctx.fireChannelInactive();
    }

    private IOException describe(Throwable cause) {
        Throwable tls = cause;
        while (tls != null && !(tls instanceof SSLException)) {
            tls = tls.getCause();
        }
        if (tls instanceof NotSslRecordException) {
            return new IOException(address + ": TLS handshake failed: " + notTls(tls.getMessage()), cause);
        }
        if (tls != null) {
            return new IOException(address + ": TLS handshake failed: " + Tls.rootMessage(tls), cause);
        }
        return new IOException(address + ": WebSocket handshake failed: " + Tls.rootMessage(cause), cause);
    }

    /**
     * Netty's "not an SSL/TLS record: " and the whole reply in hex, as one readable line: a plain HTTP answer (a wss
     * client at a ws port) is quoted by its status line, anything else shown by its first bytes. This reads Netty's
     * message text because the exception carries no other copy of the bytes; no upstream Netty issue asks for one
     * (none found), so a change of that wording only makes us fall back to "the server's answer is not TLS".
     */
    static String notTls(String nettyMessage) {
        String prefix = "not an SSL/TLS record: ";
        String hex = nettyMessage != null && nettyMessage.startsWith(prefix)
                ? nettyMessage.substring(prefix.length()).strip() : "";
        byte[] bytes;
        try {
            bytes = hex.isEmpty() || hex.length() % 2 != 0 ? new byte[0] : ByteBufUtil.decodeHexDump(hex);
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (text.startsWith("HTTP/")) {
            int end = text.indexOf('\r');
            String status = (end < 0 ? text : text.substring(0, end)).strip();
            if (status.length() > QUOTED_BODY) {
                status = status.substring(0, QUOTED_BODY) + "...";
            }
            return "the server answered in plain HTTP ('" + status + "'), not TLS: it serves ws, not wss";
        }
        if (bytes.length == 0) {
            return "the server's answer is not TLS";
        }
        int shown = Math.min(bytes.length, 16);
        return "the server's answer is not TLS (it starts with " + ByteBufUtil.hexDump(bytes, 0, shown)
                + (bytes.length > shown ? "..." : "") + ", " + bytes.length + " bytes)";
    }

    private void fail(Channel channel, IOException error) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        result.completeExceptionally(error);
        channel.close();
    }

    @Override
    public String toString() {
        return "WsClientHandshake(" + target.url() + ")";
    }
}
