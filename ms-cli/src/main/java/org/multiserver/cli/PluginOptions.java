package org.multiserver.cli;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.multiserver.onion.OnionOptions;
import picocli.CommandLine.Option;

/**
 * Where plugins come from and the options they are given as text: what every command that reads addresses shares
 * ({@code parse} too, which asks the plugins about each section).
 */
final class PluginOptions {
    static final String PLUGIN_PATH_ENV = "MULTISERVER_PLUGIN_PATH";
    /** tor's control port ({@code onion.control}) and SOCKS port(s) ({@code onion.socks}), for onion stacks. */
    static final String TOR_CONTROL_ENV = "MULTISERVER_TOR_CONTROL";
    static final String TOR_SOCKS_ENV = "MULTISERVER_TOR_SOCKS";

    @Option(names = "--plugin-path", paramLabel = "DIR",
            description = "A folder of plugin jars to load (also the environment variable " + PLUGIN_PATH_ENV + ").")
    Path pluginPath;

    @Option(names = "--option", paramLabel = "NAME=VALUE",
            description = "A plugin option as text (repeatable), such as onion.control=127.0.0.1:9051 or"
                    + " onion.socks=127.0.0.1:9050. tor's ports may also come from the environment: "
                    + TOR_CONTROL_ENV + " (onion.control) and " + TOR_SOCKS_ENV + " (onion.socks); --option wins.")
    Map<String, String> options = new LinkedHashMap<>();

    private ClassLoader loader;
    private CommonOptions.Plugins plugins;

    /**
     * The options given as text, tor's from the environment first so that an explicit {@code --option} wins;
     * plugins parse the text and name the option in their errors.
     */
    Map<String, String> textOptions() {
        Map<String, String> all = new LinkedHashMap<>();
        for (var env : Map.of(TOR_CONTROL_ENV, OnionOptions.CONTROL.name(), TOR_SOCKS_ENV,
                OnionOptions.SOCKS.name()).entrySet()) {
            String value = System.getenv(env.getKey());
            if (value != null && !value.isBlank()) {
                all.put(env.getValue(), value.trim());
            }
        }
        all.putAll(options);
        return all;
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
    CommonOptions.Plugins plugins() throws MalformedURLException {
        if (plugins == null) {
            plugins = CommonOptions.Plugins.find(pluginLoader());
        }
        return plugins;
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
