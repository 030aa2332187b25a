package org.multiserver.spi;

/** Finds and creates a {@link Transport}; list implementations in {@code META-INF/services}. */
public interface TransportProvider extends PluginProvider {

    /** A transport configured from {@code context}; both client and server use it. */
    Transport create(PluginContext context);
}
