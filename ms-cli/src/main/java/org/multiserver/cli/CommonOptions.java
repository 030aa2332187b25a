package org.multiserver.cli;

import java.io.IOException;
import java.net.MalformedURLException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.PluginProvider;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.TransportProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What serve, connect and bench share: our identity, the app key, and where plugins come from. */
final class CommonOptions {
    /**
     * The shs2 plugin's options, by name: the command never names a shs2 class, because the plugin may come from
     * the plugin path, whose class loader the command's own classes cannot see (ms-cli depends on it at runtime
     * scope only). A test checks the names against {@code Shs2TransformProvider}.
     */
    static final String SHS2_NETWORK_KEY = "shs2.network-key";
    static final String SHS2_AUTHORIZE = "shs2.authorize";

    @Option(names = "--keys", paramLabel = "FILE",
            description = "Our identity (an SSB-style secret file); created owner-only when missing."
                    + " Default: ~/.multiserver/secret, ~ being $HOME.")
    Path keys;

    @Option(names = "--app-key", paramLabel = "B64",
            description = "The network's app key (32 bytes, base64), for shs and shs2 (shs2 calls it the network key)."
                    + " Default: the SSB main network key.")
    String appKey;

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long a handshake may take, in whole seconds (at least 1). Default: ${DEFAULT-VALUE}.")
    int handshakeTimeoutSeconds;

    @Option(names = "--event-loops", paramLabel = "N", defaultValue = "0",
            description = "Event loop threads; 0: one per core. Default: ${DEFAULT-VALUE}.")
    int eventLoops;

    @Mixin
    PluginOptions plugin;

    /** The key file {@link #builder()} used, and whether it read or created it; null before. */
    Path keyFile;
    SecretFile.Outcome keyFileOutcome;

    /** A builder with our keys, app key and plugin class loader set; stacks are added by the command. */
    MultiServer.Builder builder() throws IOException {
        if (handshakeTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--handshake-timeout must be positive, got " + handshakeTimeoutSeconds
                    + " s");
        }
        if (eventLoops < 0) {
            throw new IllegalArgumentException("--event-loops must be 0 (one per core) or more, got " + eventLoops);
        }
        keyFile = keys != null ? keys : SecretFile.defaultPath();
        ShsKeyPair ours = SecretFile.loadOrCreate(keyFile, outcome -> keyFileOutcome = outcome);
        MultiServer.Builder builder = MultiServer.builder()
                .classLoader(pluginLoader())
                .identity(ours.identity())
                .handshakeTimeout(java.time.Duration.ofSeconds(handshakeTimeoutSeconds))
                .eventLoopThreads(eventLoops);
        if (appKey != null) {
            builder.option(ShsTransformProvider.APP_KEY, appKey);
            // One network for both handshakes; set only when a shs2 plugin is found, since build() rejects a text
            // option no plugin declares.
            if (plugins().option(SHS2_NETWORK_KEY).isPresent()) {
                builder.option(SHS2_NETWORK_KEY, appKey);
            }
        }
        plugin.textOptions().forEach(builder::option);
        return builder;
    }

    /** See {@link PluginOptions#pluginLoader()}. */
    ClassLoader pluginLoader() throws MalformedURLException {
        return plugin.pluginLoader();
    }

    /** See {@link PluginOptions#plugins()}. */
    Plugins plugins() throws MalformedURLException {
        return plugin.plugins();
    }

    /**
     * What the plugins a class loader finds answer to: their section names, the options they declare by name, and
     * the first provider of each name (to ask about a section without building a MultiServer). A plugin that fails
     * to load is left out (the MultiServer that loads it for real reports it).
     */
    record Plugins(Set<String> names, Map<String, org.multiserver.spi.Option<?>> options,
                   Map<String, TransportProvider> transports, Map<String, TransformProvider> transforms) {
        static Plugins find(ClassLoader loader) {
            Set<String> names = new TreeSet<>();
            Map<String, org.multiserver.spi.Option<?>> options = new TreeMap<>();
            Map<String, TransportProvider> transports = new TreeMap<>();
            Map<String, TransformProvider> transforms = new TreeMap<>();
            for (Class<? extends PluginProvider> type : List.of(TransportProvider.class, TransformProvider.class)) {
                var it = ServiceLoader.load(type, loader).iterator();
                while (true) {
                    try {
                        if (!it.hasNext()) {
                            break;
                        }
                        PluginProvider provider = it.next();
                        names.addAll(provider.sectionNames());
                        for (String name : provider.sectionNames()) {
                            if (provider instanceof TransportProvider t) {
                                transports.putIfAbsent(name, t);
                            } else if (provider instanceof TransformProvider t) {
                                transforms.putIfAbsent(name, t);
                            }
                        }
                        for (org.multiserver.spi.Option<?> option : provider.options()) {
                            options.putIfAbsent(option.name(), option);
                        }
                    } catch (ServiceConfigurationError | LinkageError e) {
                        // reported by the MultiServer that loads it for real
                    }
                }
            }
            return new Plugins(Collections.unmodifiableSet(names), Collections.unmodifiableMap(options),
                    Collections.unmodifiableMap(transports), Collections.unmodifiableMap(transforms));
        }

        Optional<org.multiserver.spi.Option<?>> option(String name) {
            return Optional.ofNullable(options.get(name));
        }

        /** Whether {@code names} is a stack these plugins make: a transport, then transforms. */
        boolean canStack(List<String> names) {
            return !names.isEmpty() && transports.containsKey(names.get(0))
                    && transforms.keySet().containsAll(names.subList(1, names.size()));
        }
    }

}
