package org.multiserver.tck;

import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;

/** One end of a connection the kit made, as the rules see it. */
final class Peer {
    final Channel channel;
    final Tail tail;
    /** Server side: the section the acceptor was given; client side: the section dialled. */
    final Section transportSection;
    /** Pipeline names just before the transform started, the kit's tail included. */
    final List<String> namesBeforeWrap;
    /** The transform's result; completes with null when no transform runs on this end. */
    final CompletableFuture<Layer> layer;
    /** Pipeline names in the callback that saw {@link #layer} complete; set before that future's dependents run. */
    volatile List<String> namesWhenWrapped;
    /** The kit's {@link Cutter} under the transform, when the setup asked for one. */
    volatile Cutter cutter;
    /** The kit's {@link EndSplicer} under the transform, when the setup asked for one. */
    volatile EndSplicer splicer;
    /** The kit's {@link Wiretap} under the transform, when the setup asked for one. */
    volatile Wiretap wiretap;
    /** The bytes {@link Setup#writeOnWrap} wrote; completed with 0 when none. */
    volatile CompletableFuture<Long> wroteOnWrap = CompletableFuture.completedFuture(0L);

    Peer(Channel channel, Tail tail, Section transportSection, List<String> namesBeforeWrap,
         CompletableFuture<Layer> layer) {
        this.channel = channel;
        this.tail = tail;
        this.transportSection = transportSection;
        this.namesBeforeWrap = namesBeforeWrap;
        this.layer = layer;
    }
}
