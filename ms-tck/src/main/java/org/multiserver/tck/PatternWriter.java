package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.EndOfOutput;

/**
 * Writes pattern bytes the way a well-behaved application does: in chunks, from the channel's event loop, only while
 * the channel is writable, resuming on the writability change. So a rule never blames a plugin for buffering that
 * the kit itself caused. Writes enter at the pipeline's end and pass every transform.
 */
final class PatternWriter {
    static final int CHUNK = 16 * 1024;

    private PatternWriter() {
    }

    /**
     * Writes bytes {@code [from, from + length)} of {@code pattern}, then {@link EndOfOutput} if {@code end}.
     * Completes with the byte count once the last write succeeded; fails when a write fails or the channel closes.
     * Runs at once when called on the channel's event loop, so bytes written from a completion callback leave in
     * the same event loop task as whatever the plugin wrote just before.
     */
    static CompletableFuture<Long> write(Channel channel, Tail tail, BytePattern pattern, long from, long length,
                                         boolean end) {
        Job job = new Job(channel, tail, pattern, from, from + length, end);
        if (channel.eventLoop().inEventLoop()) {
            job.run();
        } else {
            channel.eventLoop().execute(job);
        }
        return job.done;
    }

    /**
     * Writes bytes {@code from} onwards of {@code pattern} as one buffer per entry of {@code sizes}, each as large as
     * it says, then flushes: an application that hands over a megabyte in one write. Completes with the byte count
     * once every write succeeded; fails when one fails.
     */
    static CompletableFuture<Long> whole(Channel channel, BytePattern pattern, long from, int... sizes) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            long position = from;
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int size : sizes) {
                ByteBuf buffer = channel.alloc().buffer(size);
                pattern.writeTo(buffer, position, size);
                long at = position;
                position += size;
                writes.add(ChannelFutures.toCompletable(channel.write(buffer)).exceptionally(e -> {
                    throw new CompletionException(new IOException("the write of " + size + " bytes at byte " + at
                            + " failed: " + e, e));
                }));
            }
            channel.flush();
            long total = position - from;
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
                if (e == null) {
                    done.complete(total);
                } else {
                    done.completeExceptionally(Harness.unwrap(e));
                }
            });
        });
        return done;
    }

    /**
     * Writes and flushes chunk after chunk while the channel stays writable; completes with the bytes written when
     * it turns unwritable, or fails once {@code limit} bytes went out without that happening.
     */
    static CompletableFuture<Long> untilUnwritable(Channel channel, BytePattern pattern, long limit) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            long written = 0;
            while (channel.isWritable()) {
                if (!channel.isActive()) {
                    done.completeExceptionally(new IOException("channel closed after " + written + " bytes"));
                    return;
                }
                if (written >= limit) {
                    done.completeExceptionally(new AssertionError("wrote " + written + " bytes to a peer that reads"
                            + " nothing and the channel stayed writable: something between the writer and the peer"
                            + " buffers without bound (for example a LocalChannel's inbound queue, or a handler's"
                            + " own queue) instead of letting the channel's outbound buffer fill up"));
                    return;
                }
                ByteBuf chunk = channel.alloc().buffer(CHUNK);
                pattern.writeTo(chunk, written, CHUNK);
                long at = written;
                written += CHUNK;
                // A real promise, not the void one: transforms may listen to the promises they pass on.
                channel.writeAndFlush(chunk).addListener(f -> {
                    if (!f.isSuccess()) {
                        done.completeExceptionally(new IOException("write at byte " + at + " failed: " + f.cause(),
                                f.cause()));
                    }
                });
            }
            done.complete(written);
        });
        return done;
    }

    private static final class Job implements Runnable {
        private final Channel channel;
        private final Tail tail;
        private final BytePattern pattern;
        private final long end;
        private final boolean endOfOutput;
        private final CompletableFuture<Long> done = new CompletableFuture<>();
        private long position;
        private ChannelFuture last;
        private boolean finishing;

        Job(Channel channel, Tail tail, BytePattern pattern, long from, long end, boolean endOfOutput) {
            this.channel = channel;
            this.tail = tail;
            this.pattern = pattern;
            this.position = from;
            this.end = end;
            this.endOfOutput = endOfOutput;
        }

        @Override
        public void run() {
            if (done.isDone() || finishing) {
                return; // a late writability event after the last chunk went out
            }
            if (!channel.isActive()) {
                done.completeExceptionally(new IOException("channel closed with " + (end - position)
                        + " bytes still to write"));
                return;
            }
            while (true) {
                while (position < end && channel.isWritable()) {
                    int n = (int) Math.min(CHUNK, end - position);
                    ByteBuf chunk = channel.alloc().buffer(n);
                    pattern.writeTo(chunk, position, n);
                    long at = position;
                    position += n;
                    last = channel.write(chunk);
                    last.addListener(f -> {
                        if (!f.isSuccess()) {
                            done.completeExceptionally(new IOException("write of bytes " + at + ".." + (at + n)
                                    + " failed: " + f.cause(), f.cause()));
                        }
                    });
                }
                channel.flush();
                if (position >= end) {
                    break;
                }
                if (!channel.isWritable()) {
                    // The flush may already have drained the buffer and announced it; checked again above.
                    tail.onWritabilityChange(this);
                    return;
                }
            }
            finishing = true;
            ChannelFuture finished = endOfOutput ? channel.writeAndFlush(EndOfOutput.INSTANCE) : last;
            if (finished == null) {
                done.complete(position);
                return;
            }
            finished.addListener(f -> {
                if (f.isSuccess()) {
                    done.complete(position);
                } else {
                    done.completeExceptionally(new IOException((endOfOutput ? "writing EndOfOutput" : "the last write")
                            + " failed: " + f.cause(), f.cause()));
                }
            });
        }
    }
}
