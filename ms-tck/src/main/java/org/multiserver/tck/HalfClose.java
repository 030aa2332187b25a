package org.multiserver.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The half-close rule, shared by transports and transforms. */
final class HalfClose {
    private static final int SIZE = 4096;

    private HalfClose() {
    }

    /**
     * The client writes, then {@link org.multiserver.spi.EndOfOutput}; the server must get every byte, then
     * {@link io.netty.channel.socket.ChannelInputShutdownEvent}, and can still answer; then the same the other way;
     * then both channels close.
     */
    static void check(Harness harness, Peer client, Peer server, BytePattern up, BytePattern down) {
        harness.await(PatternWriter.write(client.channel, client.tail, up, 0, SIZE, true),
                "the client writing " + SIZE + " bytes, then EndOfOutput");
        harness.awaitBytes(server.tail, SIZE, "the server receiving the bytes written before EndOfOutput");
        long at = harness.await(server.tail.inputShutdown(),
                "the server seeing ChannelInputShutdownEvent after the client's EndOfOutput");
        assertEquals(SIZE, at, "ChannelInputShutdownEvent overtook bytes written before EndOfOutput");
        assertTrue(server.channel.isActive(), "the server's channel closed on the client's EndOfOutput, but"
                + " half-close keeps the other direction open");
        harness.await(PatternWriter.write(server.channel, server.tail, down, 0, SIZE, true),
                "the server writing " + SIZE + " bytes back after the client's EndOfOutput, then its own");
        harness.awaitBytes(client.tail, SIZE, "the client receiving after its own EndOfOutput");
        long back = harness.await(client.tail.inputShutdown(),
                "the client seeing ChannelInputShutdownEvent after the server's EndOfOutput");
        assertEquals(SIZE, back, "ChannelInputShutdownEvent overtook bytes written before EndOfOutput");
        // Both directions ended: nothing more can cross, so both ends must free their channel.
        harness.awaitClosed(server.channel, "the server's channel once both directions ended");
        harness.awaitClosed(client.channel, "the client's channel once both directions ended");
    }
}
