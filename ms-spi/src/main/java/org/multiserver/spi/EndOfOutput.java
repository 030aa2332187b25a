package org.multiserver.spi;

/**
 * Written through a pipeline to end our write side: a transform passes it on after its own goodbye (shs sends its
 * goodbye header), the transport at the head shuts its output down, or closes the channel when it cannot half-close.
 * The peer sees {@link io.netty.channel.socket.ChannelInputShutdownEvent}.
 */
public final class EndOfOutput {
    public static final EndOfOutput INSTANCE = new EndOfOutput();

    private EndOfOutput() {
    }

    @Override
    public String toString() {
        return "EndOfOutput";
    }
}
