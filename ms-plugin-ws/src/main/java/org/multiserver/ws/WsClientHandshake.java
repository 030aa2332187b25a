package org.multiserver.ws;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
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
import javax.net.ssl.SSLException;
import org.multiserver.address.Section;

/**
 * The client side of the upgrade on a connected channel: TLS for wss, the RFC 6455 upgrade request, and the check of
 * the answer. The future completes with the channel only when the handshake is done and {@link WsFrameCodec} is the
 * last handler; on failure (TLS, a refusal with its HTTP status, a close, the deadline) the channel is closed and the
 * error names the address.
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
    private final WebSocketClientHandshaker handshaker;
    private ScheduledFuture<?> deadline;

    private WsClientHandshake(WsAddress target, int maxFrameSize, Duration timeout,
                              CompletableFuture<Channel> result) {
        super(FullHttpResponse.class);
        this.target = target;
        this.address = target.section();
        this.maxFrameSize = maxFrameSize;
        this.timeout = timeout;
        this.result = result;
        // No Origin header: we are not a browser, and a JS server names non-browser peers by their socket.
        this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(target.uri(), WebSocketVersion.V13, null,
                false, null, maxFrameSize, true, false, -1, false, false);
    }

    /** Starts the handshake on {@code channel} (on its event loop); completes {@code result}. */
    static void start(Channel channel, WsAddress target, SslContext ssl, int maxFrameSize, Duration timeout,
                      CompletableFuture<Channel> result) {
        WsClientHandshake handshake = new WsClientHandshake(target, maxFrameSize, timeout, result);
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
        ChannelPipeline p = ctx.pipeline();
        // Netty's client decoder closes by itself on a protocol violation; ours leaves that to WsFrameCodec.
        p.replace("ws-decoder", "ws-decoder",
                new WebSocket13FrameDecoder(WsServerHandshake.decoderConfig(maxFrameSize, false)));
        p.addLast(WsFrameCodec.NAME, new WsFrameCodec(address, maxFrameSize, timeout));
        p.remove(this);
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
     * client at a ws port) is quoted by its status line, anything else shown by its first bytes.
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
