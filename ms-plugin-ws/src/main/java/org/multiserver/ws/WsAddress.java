package org.multiserver.ws;

import io.netty.util.NetUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.multiserver.address.Section;

/**
 * A WebSocket URL as a {@code ws} or {@code wss} section carries it. The address grammar splits at every ':', so
 * {@code ws://host:8989/path} is the section {@code ws} with the items {@code //host} and {@code 8989/path}, and
 * {@code ws://[::1]:9} has the items {@code //[}, {@code }, {@code 1]} and {@code 9}: the URL is the items joined
 * by ':' again. The JS forms {@code ws:host:port} (what a JS server reports for a peer) and {@code ws:::1:port}
 * are read too.
 *
 * @param secure true for wss
 * @param host   the host without brackets, or null in a listen spec that names none
 * @param port   the port; -1 in a listen spec that names none
 * @param path   the request target after the authority ({@code /path?query}), or empty
 */
record WsAddress(boolean secure, String host, int port, String path) {
    static final String WS = "ws";
    static final String WSS = "wss";

    static boolean isOurs(Section section) {
        return WS.equals(section.name()) || WSS.equals(section.name());
    }

    int defaultPort() {
        return secure ? 443 : 80;
    }

    String scheme() {
        return secure ? WSS : WS;
    }

    /** The port to dial: the given one or the scheme's default. */
    int portOrDefault() {
        return port < 0 ? defaultPort() : port;
    }

    /** The request target to send: the path, or {@code /}. */
    String requestTarget() {
        return path.isEmpty() ? "/" : path;
    }

    /** The path the server answers upgrades on, without the query; null when it answers on every path. */
    String serverPath() {
        if (path.isEmpty() || path.equals("/")) {
            return null;
        }
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
    }

    /** The URL, as a {@link URI} for Netty's handshaker. */
    URI uri() {
        try {
            return new URI(url());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("checked when parsed: " + url(), e);
        }
    }

    /** The canonical URL: IPv6 in brackets, the default port and a lone '/' left out. */
    String url() {
        StringBuilder out = new StringBuilder(scheme()).append("://");
        out.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
        if (portOrDefault() != defaultPort()) {
            out.append(':').append(port);
        }
        if (!path.equals("/")) {
            out.append(path);
        }
        return out.toString();
    }

    /** The canonical section: the URL split at its colons, as the grammar would split it. */
    Section section() {
        String url = url();
        String data = url.substring(scheme().length() + 1);
        return Section.of(scheme(), Arrays.asList(data.split(":", -1)));
    }

    /** A section to dial. */
    static WsAddress parseDial(Section section) {
        return parse(section, false);
    }

    /** A listen spec section: host, port and path may be missing, port 0 is allowed. */
    static WsAddress parseListen(Section section) {
        return parse(section, true);
    }

    private static WsAddress parse(Section section, boolean listening) {
        boolean secure = WSS.equals(section.name());
        List<String> items = section.data();
        String name = section.name();
        if (items.isEmpty()) {
            if (listening) {
                return new WsAddress(secure, null, -1, "");
            }
            throw section.syntaxError(0, "expected " + name + "://{host}:{port}");
        }
        String joined = String.join(":", items);
        if (joined.startsWith("//")) {
            return parseUrl(section, secure, joined, listening);
        }
        if (items.size() == 1 && items.get(0).equals("null")) {
            throw section.syntaxError(0, "'" + name + ":null' is a browser page without an origin; it cannot be"
                    + " dialled");
        }
        return parseJsForm(section, secure, listening);
    }

    /** {@code ws://host[:port][/path][?query]}. */
    private static WsAddress parseUrl(Section section, boolean secure, String joined, boolean listening) {
        String name = section.name();
        int authorityEnd = joined.length();
        for (int i = 2; i < joined.length(); i++) {
            char c = joined.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                authorityEnd = i;
                break;
            }
        }
        String authority = joined.substring(2, authorityEnd);
        String path = joined.substring(authorityEnd);
        int at = authority.indexOf('@');
        if (at >= 0) {
            throw section.syntaxError(itemAt(joined, 2 + at), "user info ('name@') is not supported in "
                    + name + " addresses");
        }
        String host;
        String portText = null;
        int portOffset = -1;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            String literal = close < 0 ? null : authority.substring(1, close);
            if (literal == null || !NetUtil.isValidIpV6Address(literal)) {
                throw section.syntaxError(0, "'" + (close < 0 ? authority : authority.substring(0, close + 1))
                        + "' is not a bracketed IPv6 address");
            }
            host = compress(literal);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty()) {
                if (rest.charAt(0) != ':') {
                    throw section.syntaxError(itemAt(joined, 2 + close + 1), "expected ':' and a port after '"
                            + authority.substring(0, close + 1) + "'");
                }
                portText = rest.substring(1);
                portOffset = 2 + close + 2;
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            if (colon >= 0) {
                portText = authority.substring(colon + 1);
                portOffset = 2 + colon + 1;
                if (portText.indexOf(':') >= 0) {
                    throw section.syntaxError(0, "an IPv6 host needs brackets in a URL, as in " + name
                            + "://[::1]:8989");
                }
            }
            if (host.isEmpty()) {
                if (!listening) {
                    throw section.syntaxError(0, "expected a host after " + name + "://");
                }
                host = null;
            } else {
                checkHostName(section, 0, host);
            }
        }
        int port = -1;
        if (portText != null) {
            port = port(section, itemAt(joined, portOffset), portText, listening);
        }
        if (path.indexOf('#') >= 0) {
            throw section.syntaxError(itemAt(joined, authorityEnd + path.indexOf('#')),
                    "a WebSocket URL has no fragment ('#')");
        }
        if (path.startsWith("?")) {
            path = "/" + path;
        }
        if (!path.isEmpty()) {
            try {
                new URI("ws://h" + path);
            } catch (URISyntaxException e) {
                throw section.syntaxError(itemAt(joined, authorityEnd), "'" + path + "' is not a URL path: "
                        + e.getReason());
            }
        }
        return new WsAddress(secure, host, port, path);
    }

    /** {@code ws:host:port}, {@code ws:::1:port} (unbracketed IPv6, the last item is the port), {@code ws:[::1]:port}. */
    private static WsAddress parseJsForm(Section section, boolean secure, boolean listening) {
        List<String> items = section.data();
        String name = section.name();
        if (items.size() == 1) {
            throw section.syntaxError(1, "expected " + name + "://{host}:{port} or " + name + ":{host}:{port}");
        }
        int portIndex = items.size() - 1;
        int port = port(section, portIndex, items.get(portIndex), listening);
        String host = String.join(":", items.subList(0, portIndex));
        if (host.isEmpty()) {
            throw section.syntaxError(0, "expected a host, as in " + name + "://localhost:8989");
        }
        if (host.startsWith("[") || host.endsWith("]")) {
            String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : "";
            if (!NetUtil.isValidIpV6Address(literal)) {
                throw section.syntaxError(0, "'" + host + "' is not a bracketed IPv6 address");
            }
            return new WsAddress(secure, compress(literal), port, "");
        }
        if (host.indexOf(':') >= 0) {
            if (!NetUtil.isValidIpV6Address(host)) {
                throw section.syntaxError(0, "'" + host + "' is not an IPv6 address (a host name has no ':')");
            }
            return new WsAddress(secure, compress(host), port, "");
        }
        checkHostName(section, 0, host);
        return new WsAddress(secure, host, port, "");
    }

    private static void checkHostName(Section section, int item, String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '.' && c != '-' && c != '_') {
                throw section.syntaxError(item, "'" + host + "' is not a host name (character '" + c + "')");
            }
        }
    }

    /**
     * Which ports the context takes, said the same way everywhere: a port to dial is 1 to 65535; one to listen on is
     * 0 to 65535, where 0 asks the system for any free port.
     */
    static String portRange(boolean listening) {
        return listening ? "(a port to listen on is a whole number from 0 to 65535, 0 for any free port)"
                : "(a port to dial is a whole number from 1 to 65535)";
    }

    private static int port(Section section, int item, String text, boolean listening) {
        // The port item may carry the path ("8989/path"): name only the port in the message.
        int port = -1;
        if (!text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            port = Integer.parseInt(text);
        }
        if (port < 0 || port > 65535) {
            throw section.syntaxError(item, "'" + text + "' is not a port " + portRange(listening));
        }
        if (port == 0 && !listening) {
            throw section.syntaxError(item, "port 0 cannot be dialled " + portRange(false)
                    + "; 0 asks for any free port only when listening");
        }
        return port;
    }

    /** Which item of the section holds character {@code offset} of the items joined by ':'. */
    private static int itemAt(String joined, int offset) {
        int item = 0;
        for (int i = 0; i < offset && i < joined.length(); i++) {
            if (joined.charAt(i) == ':') {
                item++;
            }
        }
        return item;
    }

    /** An IPv6 literal in its compressed form, without a zone id (which means nothing to the peer). */
    static String compress(String literal) {
        int percent = literal.indexOf('%');
        String bare = percent < 0 ? literal : literal.substring(0, percent);
        return NetUtil.toAddressString(NetUtil.createInetAddressFromIpAddressString(bare));
    }

    /** Host and port of a {@code net} section the net transport printed ({@code net:::1:8008}). */
    static WsAddress fromNet(Section net, boolean secure, String path) {
        List<String> items = new ArrayList<>(net.data());
        int port = Integer.parseInt(items.remove(items.size() - 1));
        String host = String.join(":", items);
        if (host.indexOf(':') >= 0) {
            host = compress(host);
        }
        return new WsAddress(secure, host, port, path);
    }

    /** The {@code net} section that reaches {@code host} and {@code port}: IPv6 in the bracketed form. */
    static Section netSection(String host, int port) {
        return Section.of("net", host.indexOf(':') >= 0 ? "[" + host + "]" : host, Integer.toString(port));
    }
}
