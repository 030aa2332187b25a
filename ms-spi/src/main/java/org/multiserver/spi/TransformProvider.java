package org.multiserver.spi;

/** Finds and creates a {@link Transform}; list implementations in {@code META-INF/services}. */
public interface TransformProvider extends PluginProvider {

    /** A transform configured from {@code context}; both client and server use it. */
    Transform create(PluginContext context);
}
