package org.multiserver.spi;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;

/**
 * Where plugins put their handlers. The platform keeps one handler of its own at the very end of every pipeline,
 * named {@link #TAIL}, from the moment a connection exists: it holds bytes that arrive before the user reads, so
 * bytes that came in with a handshake's last message are never dropped. Plugins therefore add their handlers with
 * {@link #addLast}, which puts them just before that tail.
 */
public final class Pipelines {
    /** The name of the platform's own last handler. */
    public static final String TAIL = "multiserver-connection";

    private Pipelines() {
    }

    /** Adds {@code handler} as the last handler before the platform's tail (or last of all when there is none). */
    public static void addLast(ChannelPipeline pipeline, String name, ChannelHandler handler) {
        if (pipeline.context(TAIL) != null) {
            pipeline.addBefore(TAIL, name, handler);
        } else {
            pipeline.addLast(name, handler);
        }
    }
}
