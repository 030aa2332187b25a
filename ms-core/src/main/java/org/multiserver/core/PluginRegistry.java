package org.multiserver.core;

import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeSet;
import org.multiserver.spi.PluginProvider;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.TransportProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins found on a class path. A provider that fails to load is reported and skipped (the others still load);
 * two providers claiming one section name are an error naming both classes and their jars, unless the user chose
 * one ({@link MultiServer.Builder#choosePlugin} or the system property {@code multiserver.plugin.<name>}).
 */
final class PluginRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);
    static final String CHOICE_PROPERTY = "multiserver.plugin.";

    private final Map<String, TransportProvider> transports;
    private final Map<String, TransformProvider> transforms;
    private final List<String> problems;

    private PluginRegistry(Map<String, TransportProvider> transports, Map<String, TransformProvider> transforms,
                           List<String> problems) {
        this.transports = transports;
        this.transforms = transforms;
        this.problems = problems;
    }

    /**
     * Loads every provider visible to {@code loader}, plus {@code explicit} ones given in code, which win over the
     * class path for their names.
     *
     * @param choices section name to the provider class name the user chose for it
     * @throws PluginConflictException when two providers claim one name and no choice settles it
     */
    static PluginRegistry load(ClassLoader loader, List<PluginProvider> explicit, Map<String, String> choices) {
        List<String> problems = new ArrayList<>();
        List<TransportProvider> foundTransports = discover(TransportProvider.class, loader, problems);
        List<TransformProvider> foundTransforms = discover(TransformProvider.class, loader, problems);
        Map<String, String> allChoices = new LinkedHashMap<>();
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith(CHOICE_PROPERTY)) {
                allChoices.put(k.toString().substring(CHOICE_PROPERTY.length()), v.toString());
            }
        });
        allChoices.putAll(choices);
        List<String> conflicts = new ArrayList<>();
        Map<String, TransportProvider> transports = index(foundTransports, allChoices, conflicts);
        Map<String, TransformProvider> transforms = index(foundTransforms, allChoices, conflicts);
        for (PluginProvider provider : explicit) {
            for (String name : provider.sectionNames()) {
                if (provider instanceof TransportProvider t) {
                    transports.put(name, t);
                    conflicts.removeIf(c -> c.startsWith("'" + name + "'"));
                }
                if (provider instanceof TransformProvider t) {
                    transforms.put(name, t);
                    conflicts.removeIf(c -> c.startsWith("'" + name + "'"));
                }
            }
        }
        if (!conflicts.isEmpty()) {
            throw new PluginConflictException(String.join("\n", conflicts));
        }
        return new PluginRegistry(transports, transforms, List.copyOf(problems));
    }

    Optional<TransportProvider> transport(String sectionName) {
        return Optional.ofNullable(transports.get(sectionName));
    }

    Optional<TransformProvider> transform(String sectionName) {
        return Optional.ofNullable(transforms.get(sectionName));
    }

    /** The names of the options every provider found declares, sorted. */
    SortedSet<String> optionNames() {
        SortedSet<String> names = new TreeSet<>();
        for (PluginProvider p : transports.values()) {
            p.options().forEach(o -> names.add(o.name()));
        }
        for (PluginProvider p : transforms.values()) {
            p.options().forEach(o -> names.add(o.name()));
        }
        return names;
    }

    /** Providers that failed to load, one line each. */
    List<String> problems() {
        return problems;
    }

    private static <P extends PluginProvider> List<P> discover(Class<P> type, ClassLoader loader,
                                                               List<String> problems) {
        List<P> found = new ArrayList<>();
        Iterator<P> it = ServiceLoader.load(type, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                P provider = it.next();
                provider.sectionNames(); // a provider that cannot even name itself is broken too
                found.add(provider);
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                String problem = "a " + type.getSimpleName() + " failed to load and was skipped: " + e.getMessage()
                        + (e.getCause() != null ? " (" + e.getCause() + ")" : "");
                LOG.warn(problem);
                problems.add(problem);
            }
        }
        return found;
    }

    private static <P extends PluginProvider> Map<String, P> index(List<P> providers, Map<String, String> choices,
                                                                   List<String> conflicts) {
        Map<String, List<P>> byName = new LinkedHashMap<>();
        for (P provider : providers) {
            for (String name : provider.sectionNames()) {
                byName.computeIfAbsent(name, n -> new ArrayList<>()).add(provider);
            }
        }
        Map<String, P> chosen = new LinkedHashMap<>();
        byName.forEach((name, candidates) -> {
            String choice = choices.get(name);
            if (choice != null) {
                candidates.stream().filter(p -> p.getClass().getName().equals(choice)).findFirst().ifPresentOrElse(
                        p -> chosen.put(name, p),
                        () -> conflicts.add("'" + name + "': the chosen plugin " + choice + " is not on the class path;"
                                + " found " + describe(candidates)));
            } else if (candidates.size() == 1) {
                chosen.put(name, candidates.get(0));
            } else {
                conflicts.add("'" + name + "' is claimed by several plugins: " + describe(candidates)
                        + ". Remove one jar, or choose one with -D" + CHOICE_PROPERTY + name + "=<class name>"
                        + " or MultiServer.builder().choosePlugin(\"" + name + "\", \"<class name>\").");
            }
        });
        return chosen;
    }

    private static String describe(List<? extends PluginProvider> providers) {
        List<String> parts = new ArrayList<>();
        for (PluginProvider p : providers) {
            parts.add(p.getClass().getName() + " (from " + origin(p.getClass()) + ")");
        }
        return String.join(" and ", parts);
    }

    static String origin(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        return location == null ? "an unknown location" : location.toString();
    }
}
