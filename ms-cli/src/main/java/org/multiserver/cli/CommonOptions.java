package org.multiserver.cli;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.multiserver.core.MultiServer;
import org.multiserver.onion.OnionOptions;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.PluginProvider;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.TransportProvider;
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

    static final String PLUGIN_PATH_ENV = "MULTISERVER_PLUGIN_PATH";
    /** tor's control port ({@code onion.control}) and SOCKS port(s) ({@code onion.socks}), for onion stacks. */
    static final String TOR_CONTROL_ENV = "MULTISERVER_TOR_CONTROL";
    static final String TOR_SOCKS_ENV = "MULTISERVER_TOR_SOCKS";

    @Option(names = "--keys", paramLabel = "FILE",
            description = "Our identity (an SSB-style secret file); created when missing. Default: ~/.multiserver/secret")
    Path keys;

    @Option(names = "--app-key", paramLabel = "B64",
            description = "The network's app key (32 bytes, base64), for shs and shs2 (shs2 calls it the network key)."
                    + " Default: the SSB main network key.")
    String appKey;

    @Option(names = "--plugin-path", paramLabel = "DIR",
            description = "A folder of plugin jars to load (also the environment variable " + PLUGIN_PATH_ENV + ").")
    Path pluginPath;

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long a handshake may take. Default: ${DEFAULT-VALUE}.")
    int handshakeTimeoutSeconds;

    @Option(names = "--option", paramLabel = "NAME=VALUE",
            description = "A plugin option as text (repeatable), such as onion.control=127.0.0.1:9051 or"
                    + " onion.socks=127.0.0.1:9050. tor's ports may also come from the environment: "
                    + TOR_CONTROL_ENV + " (onion.control) and " + TOR_SOCKS_ENV + " (onion.socks); --option wins.")
    Map<String, String> options = new LinkedHashMap<>();

    /** A builder with our keys, app key and plugin class loader set; stacks are added by the command. */
    MultiServer.Builder builder() throws IOException {
        Path keyFile = keys != null ? keys : SecretFile.defaultPath();
        ShsKeyPair ours = SecretFile.loadOrCreate(keyFile);
        MultiServer.Builder builder = MultiServer.builder()
                .classLoader(pluginLoader())
                .identity(ours.identity())
                .handshakeTimeout(java.time.Duration.ofSeconds(handshakeTimeoutSeconds));
        if (appKey != null) {
            builder.option(ShsTransformProvider.APP_KEY, appKey);
            // One network for both handshakes; set only when a shs2 plugin is found, since build() rejects a text
            // option no plugin declares.
            if (plugins().option(SHS2_NETWORK_KEY).isPresent()) {
                builder.option(SHS2_NETWORK_KEY, appKey);
            }
        }
        // The environment first, so that an explicit --option wins; plugins parse the text and name the option
        // in their errors.
        for (var env : Map.of(TOR_CONTROL_ENV, OnionOptions.CONTROL.name(), TOR_SOCKS_ENV,
                OnionOptions.SOCKS.name()).entrySet()) {
            String value = System.getenv(env.getKey());
            if (value != null && !value.isBlank()) {
                builder.option(env.getValue(), value.trim());
            }
        }
        options.forEach(builder::option);
        return builder;
    }

    /**
     * The class loader that sees the plugin jars of {@code --plugin-path} and the environment variable. One per
     * command: a plugin's classes (such as the type of its authorize option) must be the same classes when we look
     * its options up and when the MultiServer creates it.
     */
    ClassLoader pluginLoader() throws MalformedURLException {
        if (loader == null) {
            loader = newPluginLoader();
        }
        return loader;
    }

    /** The plugins {@link #pluginLoader()} finds. */
    Plugins plugins() throws MalformedURLException {
        if (plugins == null) {
            plugins = Plugins.find(pluginLoader());
        }
        return plugins;
    }

    private ClassLoader loader;
    private Plugins plugins;

    /**
     * What the plugins a class loader finds answer to: their section names, and the options they declare by name.
     * A plugin that fails to load is left out (the MultiServer that loads it for real reports it).
     */
    record Plugins(Set<String> names, Map<String, org.multiserver.spi.Option<?>> options) {
        static Plugins find(ClassLoader loader) {
            Set<String> names = new TreeSet<>();
            Map<String, org.multiserver.spi.Option<?>> options = new TreeMap<>();
            for (Class<? extends PluginProvider> type : List.of(TransportProvider.class, TransformProvider.class)) {
                var it = ServiceLoader.load(type, loader).iterator();
                while (true) {
                    try {
                        if (!it.hasNext()) {
                            break;
                        }
                        PluginProvider provider = it.next();
                        names.addAll(provider.sectionNames());
                        for (org.multiserver.spi.Option<?> option : provider.options()) {
                            options.putIfAbsent(option.name(), option);
                        }
                    } catch (ServiceConfigurationError | LinkageError e) {
                        // reported by the MultiServer that loads it for real
                    }
                }
            }
            return new Plugins(Collections.unmodifiableSet(names), Collections.unmodifiableMap(options));
        }

        Optional<org.multiserver.spi.Option<?>> option(String name) {
            return Optional.ofNullable(options.get(name));
        }
    }

    private ClassLoader newPluginLoader() throws MalformedURLException {
        List<URL> jars = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        if (pluginPath != null) {
            dirs.add(pluginPath);
        }
        String env = System.getenv(PLUGIN_PATH_ENV);
        if (env != null && !env.isBlank()) {
            for (String dir : env.split(File.pathSeparator)) {
                dirs.add(Path.of(dir));
            }
        }
        for (Path dir : dirs) {
            File[] files = dir.toFile().listFiles((d, name) -> name.endsWith(".jar"));
            if (files == null) {
                throw new IllegalArgumentException("plugin path " + dir + " is not a readable folder");
            }
            for (File f : files) {
                jars.add(f.toURI().toURL());
            }
        }
        ClassLoader parent = Main.class.getClassLoader();
        return jars.isEmpty() ? parent : new URLClassLoader(jars.toArray(URL[]::new), parent);
    }
}
