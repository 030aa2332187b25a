package org.multiserver.examples.gzip;

import java.util.List;
import org.multiserver.spi.Option;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * The {@code gzip} transform: each direction of a connection is one gzip stream (RFC 1952), compressed as it goes.
 * Every write is flushed through the compressor at once (a deflate sync flush), so interactive use works: the peer
 * can read what was written without waiting for more. {@link org.multiserver.spi.EndOfOutput} ends the stream
 * properly (last block, CRC-32 and size) before it is passed on, so the peer sees a complete gzip member and then the
 * end of input. The section carries no data: {@code net:host:8008~gzip}, in a listen spec too.
 *
 * <p>Layers apply from the transport outwards: in {@code net:host:8008~shs:KEY~gzip}, shs runs on the TCP connection
 * and gzip inside it, so what we write is compressed first and then encrypted, which is the order that compresses.
 * {@code ~gzip~shs} would compress the ciphertext, which does not shrink.
 *
 * <p>Found by {@link java.util.ServiceLoader} through {@code META-INF/services/org.multiserver.spi.TransformProvider}:
 * put the jar on the class path and {@code MultiServer.builder().listen("net:0.0.0.0:8008~gzip")} just works.
 */
public final class GzipTransformProvider implements TransformProvider {
    static final String NAME = "gzip";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Transform create(PluginContext context) {
        context.listenSpec().filter(spec -> !spec.data().isEmpty()).ifPresent(spec -> {
            throw spec.syntaxError(0, "gzip takes no data: write just 'gzip' (the level is a local option, "
                    + GzipOptions.LEVEL.name() + ")");
        });
        int level = context.option(GzipOptions.LEVEL);
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("option " + GzipOptions.LEVEL.name() + " must be 0 to 9, got " + level);
        }
        // No handshake: client and server do the same, and the pipeline is final as soon as both are in.
        return Transform.withoutHandshake(NAME, pipeline -> {
            Pipelines.addLast(pipeline, GzipDecoder.NAME, new GzipDecoder());
            Pipelines.addLast(pipeline, GzipEncoder.NAME, new GzipEncoder(level));
        });
    }

    @Override
    public List<Option<?>> options() {
        return List.of(GzipOptions.LEVEL);
    }
}
