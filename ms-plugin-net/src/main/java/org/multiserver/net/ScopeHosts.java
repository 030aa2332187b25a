package org.multiserver.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.multiserver.spi.Scope;

/** Which host to print for each scope, from the machine's interfaces (as the JS multiserver-scopes does). */
final class ScopeHosts {
    private ScopeHosts() {
    }

    /** The scope an address belongs to: loopback is device, private ranges are local, the rest public. */
    static Scope scopeOf(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return Scope.DEVICE;
        }
        if (isPrivate(address)) {
            return Scope.LOCAL;
        }
        return Scope.PUBLIC;
    }

    /** RFC 1918, link-local and IPv6 unique-local (fc00::/7) addresses. */
    static boolean isPrivate(InetAddress address) {
        if (address.isSiteLocalAddress() || address.isLinkLocalAddress()) {
            return true;
        }
        return address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc;
    }

    /** Whether {@code address} reaches clients in {@code scope}. */
    static boolean serves(InetAddress address, Scope scope) {
        Scope own = scopeOf(address);
        return switch (scope) {
            case DEVICE -> own == Scope.DEVICE;
            case LOCAL, PRIVATE -> own == Scope.LOCAL;
            case PUBLIC -> own == Scope.PUBLIC;
        };
    }

    /** The default scopes of a server bound to {@code bound}: all for a wildcard, else that address's own. */
    static Set<Scope> defaultScopes(InetAddress bound) {
        if (bound.isAnyLocalAddress()) {
            return EnumSet.allOf(Scope.class);
        }
        Scope own = scopeOf(bound);
        return own == Scope.LOCAL ? EnumSet.of(Scope.LOCAL, Scope.PRIVATE) : EnumSet.of(own);
    }

    /**
     * The hosts a wildcard server bound to {@code wildcard} prints for {@code scope}, chosen from {@code candidates}
     * (the machine's interface addresses). An IPv4 wildcard serves only IPv4 addresses; link-local IPv6 addresses
     * are left out, as they need a zone the peer cannot know.
     */
    static List<String> hostsFor(Scope scope, InetAddress wildcard, List<InetAddress> candidates) {
        List<String> hosts = new ArrayList<>();
        for (InetAddress candidate : candidates) {
            if (wildcard instanceof Inet4Address && !(candidate instanceof Inet4Address)) {
                continue;
            }
            if (candidate instanceof Inet6Address && candidate.isLinkLocalAddress()) {
                continue;
            }
            if (serves(candidate, scope)) {
                String host = HostPort.stripZone(candidate.getHostAddress());
                if (!hosts.contains(host)) {
                    hosts.add(host);
                }
            }
        }
        if (scope == Scope.DEVICE && hosts.size() > 1) {
            // One loopback is enough; prefer IPv4, which every peer can dial.
            hosts.sort((a, b) -> Boolean.compare(a.contains(":"), b.contains(":")));
            return List.of(hosts.get(0));
        }
        return hosts;
    }

    /** Every address of every interface that is up. */
    static List<InetAddress> interfaceAddresses() {
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isUp()) {
                    all.addAll(Collections.list(nif.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            // No interfaces to list: every wildcard scope then prints nothing, which is the truth.
        }
        return all;
    }
}
