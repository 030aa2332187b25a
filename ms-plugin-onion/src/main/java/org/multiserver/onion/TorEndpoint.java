package org.multiserver.onion;

import java.net.InetSocketAddress;

/** A {@code host:port} of a tor port (SOCKS or control), from an option; IPv6 hosts in brackets. */
record TorEndpoint(String host, int port) {

    static TorEndpoint parse(String option, String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        String host = colon > 0 ? t.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = -1;
        String portText = colon >= 0 ? t.substring(colon + 1) : "";
        if (!portText.isEmpty() && portText.length() <= 5 && portText.chars().allMatch(Character::isDigit)) {
            port = Integer.parseInt(portText);
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("option " + option + ": expected host:port, as in 127.0.0.1:9050, got '"
                    + text + "'");
        }
        return new TorEndpoint(host, port);
    }

    /** Resolved now: these are local addresses, never a name the user wants kept from DNS. */
    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
