package org.multiserver.examples.gzip;

import java.util.List;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * The {@code gzip} transform: each direction of a connection is one gzip stream (RFC 1952), compressed as it goes.
 * Every write is flushed through the compressor at once (a deflate sync flush), so interactive use works: the peer
 * can read what was written without waiting for more. {@link org.multiserver.spi.EndOfOutput} ends the stream
 * properly (last block, CRC-32 and size) before it is passed on, so the peer sees a complete gzip member and then the
 * end of input. The section carries no data: {@code net:host:8008~gzip}.
 *
 * <p>Found by {@link java.util.ServiceLoader} through {@code META-INF/services/org.multiserver.spi.TransformProvider}:
 * put the jar on the class path and {@code MultiServer.builder().listen("net:0.0.0.0:8008~gzip")} just works.
 */
public final class GzipTransformProvider implements TransformProvider {
    @Override
    public String name() {
        return GzipTransform.NAME;
    }

    @Override
    public Transform create(PluginContext context) {
        int level = context.option(GzipOptions.LEVEL);
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("option " + GzipOptions.LEVEL.name() + " must be 0 to 9, got " + level);
        }
        return new GzipTransform(level);
    }

    @Override
    public List<Option<?>> options() {
        return List.of(GzipOptions.LEVEL);
    }
}
