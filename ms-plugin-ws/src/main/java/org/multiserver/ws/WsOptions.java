package org.multiserver.ws;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.multiserver.spi.Option;

/**
 * Options of the {@code ws} and {@code wss} transports. A listen spec ({@code ws://HOST:PORT/PATH}) sets host, port
 * and path too and wins over these.
 */
public final class WsOptions {
    private WsOptions() {
    }

    /**
     * The address to bind: a host name, an IPv4 or IPv6 literal, {@code 0.0.0.0} or {@code ::} for every interface.
     * Default: loopback when serving only the device scope, every interface otherwise.
     */
    public static final Option<String> HOST = Option.string("ws.host", null);

    /** The port to bind; 0 (the default) picks a free one, and the real port is what gets printed. */
    public static final Option<Integer> PORT = Option.integer("ws.port", 0);

    /** Host names printed for the public scope instead of interface addresses, such as {@code example.com}. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final Option<List<String>> EXTERNAL = new Option<>("ws.external", (Class) List.class, List.of(),
            text -> Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());

    /**
     * The largest frame payload accepted from a peer, in bytes; a bigger frame closes the connection with status
     * 1009 (message too big). Our own writes are cut into frames of at most this size. Default 1 MiB.
     */
    public static final Option<Integer> MAX_FRAME_SIZE = Option.integer("ws.max-frame-size", 1024 * 1024);

    /** wss servers: the certificate chain, a PEM file (leaf first). */
    public static final Option<String> TLS_CERT = Option.string("ws.tls-cert", null);

    /** wss servers: the private key of {@link #TLS_CERT}, an unencrypted PKCS#8 PEM file. */
    public static final Option<String> TLS_KEY = Option.string("ws.tls-key", null);

    /**
     * wss clients: the certificates to trust, a PEM file of one or more CA (or self-signed) certificates. Default:
     * the JDK's trust store. The host name is always checked against the certificate.
     */
    public static final Option<String> TLS_TRUST = Option.string("ws.tls-trust", null);

    /**
     * wss clients: accept any certificate, checking neither the chain nor the host name. For tests against
     * self-signed servers only: it gives up protection against a man in the middle. Default false.
     */
    public static final Option<Boolean> TLS_TRUST_ALL = Option.flag("ws.tls-trust-all", false);

    /**
     * Servers: answers plain HTTP requests (those that are not WebSocket upgrades), called on the event loop. The
     * request is released after the call returns. Default: 404 with a short text body.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final Option<Function<FullHttpRequest, FullHttpResponse>> HTTP_RESPONDER = new Option<>(
            "ws.http-responder", (Class) Function.class, null, WsOptions::notText);

    /**
     * Servers: a Netty handler, one per connection, that receives plain HTTP requests as {@link FullHttpRequest}s
     * (it must release them) and writes responses. It replaces {@link #HTTP_RESPONDER}. It is removed from the
     * pipeline when the connection upgrades to WebSocket.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final Option<Supplier<ChannelHandler>> HTTP_HANDLER = new Option<>(
            "ws.http-handler", (Class) Supplier.class, null, WsOptions::notText);

    private static <T> T notText(String text) {
        throw new IllegalArgumentException("cannot be given as text, only in code");
    }
}
