package org.multiserver.tck;

import java.util.concurrent.CompletableFuture;

/** The stalled-reader rule, shared by transports and transforms. */
final class Backpressure {
    /** What the writer sends after the reader resumes: enough to need the reader to drain the backlog first. */
    private static final long AFTER_RESUME = 256 * 1024;

    private Backpressure() {
    }

    /**
     * {@code reader} has auto-read off and has read nothing. The writer writes until its channel turns unwritable
     * (failing past {@code limit}); then the reader reads again, and every byte must arrive in order while the
     * writer, woken by writability, sends more.
     */
    static void check(Harness harness, Peer writer, Peer reader, BytePattern pattern, long limit) {
        // The writer may turn writable again by itself: a read the reader had already started when it stopped
        // reading still delivers one batch. What matters is that it turned unwritable before the limit.
        long written = harness.await(PatternWriter.untilUnwritable(writer.channel, pattern, limit),
                "the writer's channel turning unwritable while its peer reads nothing");
        CompletableFuture<Long> rest = PatternWriter.write(writer.channel, writer.tail, pattern, written,
                AFTER_RESUME, false);
        harness.onLoop(reader.channel, () -> {
            reader.channel.config().setAutoRead(true);
            reader.channel.read();
            return null;
        });
        harness.awaitBytes(reader.tail, written + AFTER_RESUME,
                "the reader getting every byte in order once it reads again (" + written + " were written while it"
                        + " stalled)");
        harness.await(rest, "the writer finishing once the reader reads again");
    }
}
