package org.multiserver.net;

import io.netty.util.NetUtil;
import java.util.List;
import org.multiserver.address.Section;

/**
 * Host and port as a {@code net} section carries them. Items after the name are the host, split at its colons when
 * it is an unbracketed IPv6 literal (the JS form: {@code net:fe80::1:8008}), and the port, which is always the last
 * item. The Go form {@code net:[fe80::1]:8008} is accepted too.
 */
record HostPort(String host, int port) {

    /** Parses a section to dial or to listen on; {@code portRequired} is false for listen specs like {@code net}. */
    static HostPort parse(Section section, boolean forListening) {
        List<String> items = section.data();
        if (items.isEmpty()) {
            if (forListening) {
                return new HostPort(null, 0);
            }
            throw section.syntaxError(0, "expected net:{host}:{port}");
        }
        if (items.size() == 1) {
            throw section.syntaxError(1, "expected a port after the host, as in net:" + items.get(0) + ":8008");
        }
        int portIndex = items.size() - 1;
        int port = port(section, portIndex, forListening);
        String host = String.join(":", items.subList(0, portIndex));
        if (host.isEmpty()) {
            return new HostPort(forListening ? null : "localhost", port); // net::8008, as the JS client reads it
        }
        if (host.startsWith("[") || host.endsWith("]")) {
            if (!(host.startsWith("[") && host.endsWith("]"))
                    || !NetUtil.isValidIpV6Address(host.substring(1, host.length() - 1))) {
                throw section.syntaxError(0, "'" + host + "' is not a bracketed IPv6 address");
            }
            return new HostPort(stripZone(host.substring(1, host.length() - 1)), port);
        }
        if (host.indexOf(':') >= 0) {
            if (!NetUtil.isValidIpV6Address(host)) {
                throw section.syntaxError(0, "'" + host + "' is not an IPv6 address (a host name has no ':')");
            }
            return new HostPort(host, port);
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '.' && c != '-' && c != '_') {
                throw section.syntaxError(0, "'" + host + "' is not a host name (character '" + c + "')");
            }
        }
        return new HostPort(host, port);
    }

    /**
     * Which ports the context takes, said the same way everywhere: a port to dial is 1 to 65535; one to listen on is
     * 0 to 65535, where 0 asks the system for any free port.
     */
    static String portRange(boolean listening) {
        return listening ? "(a port to listen on is a whole number from 0 to 65535, 0 for any free port)"
                : "(a port to dial is a whole number from 1 to 65535)";
    }

    private static int port(Section section, int index, boolean forListening) {
        String text = section.data().get(index);
        int port = -1;
        if (!text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            port = Integer.parseInt(text);
        }
        if (port < 0 || port > 65535) {
            throw section.syntaxError(index, "'" + text + "' is not a port " + portRange(forListening));
        }
        if (port == 0 && !forListening) {
            throw section.syntaxError(index, "port 0 cannot be dialled " + portRange(false)
                    + "; 0 asks for any free port only when listening");
        }
        return port;
    }

    /**
     * The section for {@code host} and {@code port} in the form JS peers dial: an IPv6 literal is compressed and
     * split at its colons ({@code net:::1:8008}, {@code net:fe80::1:8008}), never escaped or bracketed.
     */
    static Section section(String name, String host, int port) {
        String h = stripZone(host);
        if (NetUtil.isValidIpV6Address(h)) {
            h = NetUtil.toAddressString(NetUtil.createInetAddressFromIpAddressString(h));
        }
        List<String> items = new java.util.ArrayList<>(List.of(h.split(":", -1)));
        items.add(Integer.toString(port));
        return Section.of(name, items);
    }

    /** IPv6 zone ids ({@code %eth0}) mean nothing to the peer. */
    static String stripZone(String host) {
        int percent = host.indexOf('%');
        return percent < 0 ? host : host.substring(0, percent);
    }
}
