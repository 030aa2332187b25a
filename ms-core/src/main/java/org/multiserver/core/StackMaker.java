package org.multiserver.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.multiserver.address.Address;
import org.multiserver.address.Section;
import org.multiserver.spi.Identity;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/** Makes stacks from plugins, with what a builder knows: its options, the event loops and our identity. */
record StackMaker(Settings settings, PluginRegistry registry, EventLoops loops, Identity identity) {

    PluginContext base(Section spec, Set<Scope> scopes) {
        PluginContext.Builder b = PluginContext.builder()
                .eventLoopGroup(loops.group(), loops.kind(), loops.socketChannelType(),
                        loops.serverSocketChannelType())
                .connectTimeout(settings.connectTimeout)
                .handshakeTimeout(settings.handshakeTimeout)
                .scopes(scopes)
                .listenSpec(spec)
                .identity(identity);
        settings.options.forEach(b::rawOption);
        return b.build();
    }

    Stack stackFromSpec(Address spec, Set<Scope> scopes) {
        Section first = spec.transport();
        TransportProvider transportProvider = registry.transport(first.name()).orElseThrow(() ->
                first.syntaxError(-1, "no transport plugin for '" + first.name() + "' on the class path"));
        Transport transport = transportProvider.create(base(first, scopes));
        List<Transform> transforms = new ArrayList<>();
        for (Section section : spec.transforms()) {
            TransformProvider provider = registry.transform(section.name()).orElseThrow(() ->
                    section.syntaxError(-1, "no transform plugin for '" + section.name() + "' on the class path"));
            transforms.add(provider.create(base(section, scopes)));
        }
        return new Stack(transport, transforms);
    }

    /** A stack from providers given in code. */
    Stack stackFromProviders(TransportProvider transport, List<TransformProvider> transformProviders) {
        PluginContext base = base(null, null);
        List<Transform> made = new ArrayList<>();
        for (TransformProvider t : transformProviders) {
            made.add(t.create(base));
        }
        return new Stack(transport.create(base), made);
    }

    /** A client stack of the shape {@code names} from the plugins found, or empty when one is missing. */
    Optional<Stack> stackForDialing(List<String> names) {
        Optional<TransportProvider> transport = registry.transport(names.get(0));
        List<Transform> transforms = new ArrayList<>();
        for (String name : names.subList(1, names.size())) {
            Optional<TransformProvider> provider = registry.transform(name);
            if (provider.isEmpty()) {
                return Optional.empty();
            }
            transforms.add(provider.get().create(base(null, null)));
        }
        return transport.map(t -> new Stack(t.create(base(null, null)), transforms));
    }

    /** Why {@link #stackForDialing} found nothing, naming the missing plugins. */
    String missingPlugins(List<String> names) {
        List<String> missing = new ArrayList<>();
        if (registry.transport(names.get(0)).isEmpty()) {
            missing.add(names.get(0));
        }
        for (String name : names.subList(1, names.size())) {
            if (registry.transform(name).isEmpty()) {
                missing.add(name);
            }
        }
        return missing.isEmpty() ? "the plugins of " + String.join("~", names) + " do not dial this address"
                : "no plugin for " + String.join(", ", missing) + " on the class path";
    }
}
