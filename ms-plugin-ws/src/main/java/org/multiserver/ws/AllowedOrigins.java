package org.multiserver.ws;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@link WsOptions#ORIGINS} allow-list of a server. Origins compare as browsers serialise them (RFC 6454):
 * scheme and host in lower case, the default port (80 for http and ws, 443 for https and wss) left out, no path.
 */
final class AllowedOrigins {
    private static final String OPAQUE = "null";

    private final Set<String> origins;

    private AllowedOrigins(Set<String> origins) {
        this.origins = origins;
    }

    /**
     * The allow-list of the option's value, or null when the option is not set (every origin is accepted).
     *
     * @throws IllegalArgumentException naming the option and the entry that is not an origin
     */
    static AllowedOrigins of(List<String> configured) {
        if (configured == null) {
            return null;
        }
        Set<String> origins = new LinkedHashSet<>();
        for (String entry : configured) {
            String normalised = normalise(entry);
            if (normalised == null) {
                throw new IllegalArgumentException("option " + WsOptions.ORIGINS.name() + ": '" + entry
                        + "' is not a web origin; write scheme://host or scheme://host:port, such as"
                        + " https://app.example or http://localhost:8080 (no path), or null");
            }
            origins.add(normalised);
        }
        return new AllowedOrigins(Set.copyOf(origins));
    }

    /** Whether a request carrying {@code origin} (an {@code Origin} header's value) may upgrade. */
    boolean allows(String origin) {
        String normalised = normalise(origin);
        return normalised != null && origins.contains(normalised);
    }

    /** The origin in its comparable form, or null when the text is not an origin. */
    private static String normalise(String text) {
        String t = text.strip();
        if (t.equals(OPAQUE)) {
            return OPAQUE;
        }
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            return null;
        }
        if (uri.getScheme() == null || uri.getHost() == null || uri.getRawUserInfo() != null
                || uri.getRawQuery() != null || uri.getRawFragment() != null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
            return null;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1
                || (port == 80 && (scheme.equals("http") || scheme.equals("ws")))
                || (port == 443 && (scheme.equals("https") || scheme.equals("wss")));
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }

    @Override
    public String toString() {
        return String.join(", ", origins);
    }
}
