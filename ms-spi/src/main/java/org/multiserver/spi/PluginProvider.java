package org.multiserver.spi;

/**
 * What {@link java.util.ServiceLoader} finds: a cheap, stateless factory with a public no-arg constructor that does
 * no I/O. It creates configured instances from a {@link PluginContext}, so the SPI can grow with default methods.
 */
public interface PluginProvider {

    /** The section name this plugin handles, such as {@code net} or {@code shs}: {@code [a-z][a-z0-9-]+}. */
    String name();

    /**
     * Every section name this plugin answers to; defaults to {@link #name()}. A {@code ws} transport also answers to
     * {@code wss}, for example.
     */
    default java.util.Set<String> sectionNames() {
        return java.util.Set.of(name());
    }

    /**
     * Text shown when several providers claim one name, to help users pick; defaults to the class name.
     */
    default String description() {
        return getClass().getName();
    }

    /**
     * The options this plugin reads. Options given as text (a command line's {@code NAME=VALUE}) are checked against
     * the options of every provider found, so a misspelt name is an error rather than silently ignored: declare each
     * option here.
     */
    default java.util.List<Option<?>> options() {
        return java.util.List.of();
    }
}
