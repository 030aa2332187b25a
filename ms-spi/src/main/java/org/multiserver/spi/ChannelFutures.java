package org.multiserver.spi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.Future;
import java.util.concurrent.CompletableFuture;

/** Bridges Netty futures to {@link CompletableFuture}s the way the SPI promises: cancel closes. */
public final class ChannelFutures {
    private ChannelFutures() {
    }

    /**
     * The channel of {@code connect} once connected. Cancelling the result cancels the connect and closes the
     * channel; a failure is wrapped by {@code describe}, which should name the address.
     */
    public static CompletableFuture<Channel> connected(ChannelFuture connect,
                                                       java.util.function.Function<Throwable, Throwable> describe) {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                if (!result.complete(f.channel())) {
                    f.channel().close(); // cancelled while the connect finished
                }
            } else if (f.isCancelled()) {
                result.cancel(false);
            } else {
                result.completeExceptionally(describe.apply(f.cause()));
            }
        });
        result.whenComplete((channel, error) -> {
            if (result.isCancelled()) {
                connect.cancel(false);
                connect.channel().close();
            }
        });
        return result;
    }

    /** Completes when {@code future} does; failures pass through unchanged. */
    public static CompletableFuture<Void> toCompletable(Future<?> future) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(null);
            } else {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }
}
