package org.multiserver.tck;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.CompletableFuture;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.EndOfOutput;

/**
 * Ends the transport under a transform behind the transform's back, as a network cut or an attacker's injected FIN
 * or RST does: the transform's own end marker is never sent. Sits between the transport's handlers and the
 * transform's, so what it writes or closes reaches the transport only. Passes everything else through unchanged.
 */
final class Cutter extends ChannelDuplexHandler {
    static final String NAME = "tck-cut";

    private volatile ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * From the event loop: with {@code halfClose}, {@link EndOfOutput} written below the transform (the transport
     * shuts its output down, the peer sees a FIN); otherwise a close of the transport alone.
     */
    CompletableFuture<Void> cut(boolean halfClose) {
        ChannelHandlerContext here = ctx;
        CompletableFuture<Void> done = new CompletableFuture<>();
        here.executor().execute(() -> {
            var future = halfClose ? here.writeAndFlush(EndOfOutput.INSTANCE) : here.close();
            ChannelFutures.toCompletable(future).whenComplete((v, e) -> {
                if (e == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(e);
                }
            });
        });
        return done;
    }
}
