package org.multiserver.ws;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
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
    public static final Option<List<String>> EXTERNAL = Option.list("ws.external", List.of());

    /**
     * Servers: the web origins whose pages may connect, such as {@code https://app.example, http://localhost:8080}
     * (scheme, host and port, as browsers send them in the {@code Origin} header; {@code null} for pages without an
     * origin, such as local files). A request whose {@code Origin} is not in the list gets HTTP 403 and no upgrade.
     * A request without an {@code Origin} header (Java, node and other clients that are not browsers) is always
     * allowed: the header protects browsers' users, and any other client can send whatever it likes.
     *
     * <p>Default: not set, and every origin is accepted, as the JS plugin does. Set it on a server that browsers
     * can reach: without it, any page a user opens can connect to the server through the user's browser, and a
     * page from a host name that resolves to 127.0.0.1 (DNS rebinding) can reach a server on the user's own
     * machine. An empty list refuses every request that carries an {@code Origin}, so no page at all.
     */
    public static final Option<List<String>> ORIGINS = Option.list("ws.origins", null);

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
