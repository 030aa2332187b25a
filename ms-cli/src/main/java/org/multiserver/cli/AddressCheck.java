package org.multiserver.cli;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.multiserver.address.Address;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.Section;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.Transport;

/**
 * Asks the plugins about every section of an address, as a client does before it dials, without dialling: the
 * meaning of ports, hosts and keys belongs to plugins, which report their own errors at the column of the bad item.
 * {@code parse} shows what they understood; {@code connect} and {@code bench} use it to say why nothing could be
 * dialled.
 */
final class AddressCheck implements AutoCloseable {
    private final CommonOptions.Plugins plugins;
    /** Plugins are created with a context, which needs an event loop group; nothing ever runs on it. */
    private final DefaultEventLoopGroup idle = new DefaultEventLoopGroup(1);
    private final PluginContext context;
    private final Map<String, Transport> transports = new HashMap<>();
    private final Map<String, Transform> transforms = new HashMap<>();

    AddressCheck(CommonOptions.Plugins plugins, Map<String, String> textOptions) {
        this.plugins = plugins;
        PluginContext.Builder b = PluginContext.builder()
                .eventLoopGroup(idle, NioSocketChannel.class, NioServerSocketChannel.class);
        textOptions.forEach(b::rawOption);
        this.context = b.build();
    }

    /**
     * One alternative as the plugins read it: each section described, or why a client would skip it (no plugin for
     * one of its names), or the plugin's error.
     */
    record Reading(Address alternative, List<String> sections, String skipped, AddressSyntaxException error) {
        boolean ok() {
            return skipped == null && error == null;
        }
    }

    Reading read(Address alternative) {
        List<String> described = new ArrayList<>();
        try {
            List<Section> sections = alternative.sections();
            Section first = sections.get(0);
            Transport transport = transport(first.name());
            if (transport == null) {
                Transform misplaced = transform(first.name());
                if (misplaced == null) {
                    return new Reading(alternative, described, "no plugin for '" + first.name() + "'", null);
                }
                misplaced.parse(first); // its own complaint about its data comes first
                throw first.syntaxError(-1, "'" + first.name() + "' is a transform: an address starts with a"
                        + " transport (" + String.join(", ", plugins.transports().keySet()) + "), as in net:host:8008~"
                        + first.name());
            }
            Optional<Transport.Endpoint> endpoint = transport.parse(first);
            if (endpoint.isEmpty()) {
                return new Reading(alternative, described, "the " + first.name() + " plugin does not dial this form",
                        null);
            }
            described.add(describeTransport(endpoint.get().section()));
            for (Section section : sections.subList(1, sections.size())) {
                Transform transform = transform(section.name());
                if (transform == null) {
                    if (transport(section.name()) != null) {
                        throw section.syntaxError(-1, "'" + section.name() + "' is a transport: after the first"
                                + " section come transforms (" + String.join(", ", plugins.transforms().keySet())
                                + ")");
                    }
                    return new Reading(alternative, described, "no plugin for '" + section.name() + "'", null);
                }
                Optional<Transform.Target> target = transform.parse(section);
                if (target.isEmpty()) {
                    return new Reading(alternative, described, "the " + section.name() + " plugin does not read"
                            + " this form", null);
                }
                described.add(items(target.get().section()));
            }
            return new Reading(alternative, described, null, null);
        } catch (AddressSyntaxException e) {
            return new Reading(alternative, described, null, e);
        }
    }

    /**
     * A transport section as its plugin understood it: {@code net} as a host and a port (the plugin's canonical form
     * splits an IPv6 host at its colons, as JS peers print it; the port is always the last item), others item by
     * item.
     */
    private static String describeTransport(Section canonical) {
        List<String> data = canonical.data();
        if (canonical.name().equals("net") && data.size() >= 2) {
            return canonical.name() + "  host " + String.join(":", data.subList(0, data.size() - 1))
                    + "  port " + data.get(data.size() - 1);
        }
        return items(canonical);
    }

    /** A section item by item, as the address carries it: {@code shs  [KEY]}. */
    static String items(Section section) {
        StringBuilder out = new StringBuilder(section.name());
        for (String item : section.data()) {
            out.append("  [").append(item).append(']');
        }
        return out.toString();
    }

    private Transport transport(String name) {
        var provider = plugins.transports().get(name);
        return provider == null ? null : transports.computeIfAbsent(name, n -> provider.create(context));
    }

    private Transform transform(String name) {
        var provider = plugins.transforms().get(name);
        return provider == null ? null : transforms.computeIfAbsent(name, n -> provider.create(context));
    }

    @Override
    public void close() {
        idle.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
