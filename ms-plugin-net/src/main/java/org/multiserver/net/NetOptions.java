package org.multiserver.net;

import java.util.List;
import org.multiserver.spi.Option;

/**
 * Server options of the {@code net} transport. A listen spec ({@code net:HOST:PORT}) sets host and port too and wins
 * over these.
 */
public final class NetOptions {
    private NetOptions() {
    }

    /**
     * The address to bind: a host name, an IPv4 or IPv6 literal, {@code 0.0.0.0} or {@code ::} for every interface.
     * Default: loopback when serving only the device scope, every interface otherwise.
     */
    public static final Option<String> HOST = Option.string("net.host", null);

    /** The port to bind; 0 (the default) picks a free one, and the real port is what gets printed. */
    public static final Option<Integer> PORT = Option.integer("net.port", 0);

    /** Host names printed for the public scope instead of interface addresses, such as {@code example.com}. */
    public static final Option<List<String>> EXTERNAL = Option.list("net.external", List.of());
}
