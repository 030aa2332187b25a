package org.multiserver.onion;

import java.time.Duration;
import java.util.List;
import org.multiserver.spi.Option;

/**
 * Options of the {@code onion} transport. The client dials through tor's SOCKS port; the server publishes an onion
 * service through tor's control port. A listen spec {@code onion:{virtual port}} sets the virtual port too and wins.
 */
public final class OnionOptions {
    private OnionOptions() {
    }

    /**
     * The SOCKS5 proxies to try, in order, as {@code host:port} (comma-separated as text). Default: the tor daemon
     * ({@code 127.0.0.1:9050}), then Tor Browser ({@code 127.0.0.1:9150}), as the JS plugin tries them.
     */
    public static final Option<List<String>> SOCKS = Option.list("onion.socks",
            List.of("127.0.0.1:9050", "127.0.0.1:9150"));

    /**
     * How long one attempt through one proxy may take, TCP connect and SOCKS handshake each (tor answers the SOCKS
     * request only once the onion service answered). Default: the platform's connect timeout (10 s unless set);
     * reaching an onion service on a cold tor often takes longer, so 60 s is a good value for real use.
     */
    public static final Option<Duration> CONNECT_TIMEOUT = Option.duration("onion.connect-timeout", null);

    /** Tor's control port, {@code host:port}, for the server side. Default {@code 127.0.0.1:9051}. */
    public static final Option<String> CONTROL = Option.string("onion.control", "127.0.0.1:9051");

    /**
     * The control port password ({@code HashedControlPassword} in torrc). Default: none, and cookie authentication
     * is used ({@code CookieAuthentication 1}).
     */
    public static final Option<String> CONTROL_PASSWORD = Option.string("onion.control-password", null);

    /**
     * Tor's authentication cookie file. Default: the file tor names in its PROTOCOLINFO answer; set this when tor
     * sees the file under another path than we do (containers).
     */
    public static final Option<String> COOKIE_FILE = Option.string("onion.cookie-file", null);

    /**
     * A file holding the onion service's private key, so the address survives restarts: read when it exists,
     * otherwise created (owner-only) with the key tor generates. Default: none, a new address on every listen.
     */
    public static final Option<String> KEY_FILE = Option.string("onion.key-file", null);

    /**
     * The port clients dial at the onion address. Default 8008, the port Scuttlebutt peers use for {@code net}, so
     * an onion address reads like the net one.
     */
    public static final Option<Integer> VIRTUAL_PORT = Option.integer("onion.virtual-port", 8008);
}
