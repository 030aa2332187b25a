package org.multiserver.core;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Address;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.EndOfOutput;

/**
 * An established connection, after every transform of its stack finished: the composed remote address, the peer's
 * authenticated identity, and two ways to move bytes:
 * <ul>
 *   <li>plain blocking streams, {@link #input()} and {@link #output()}, for simple users (bounded buffering both
 *       ways: reading stops while the input holds 256 KiB, writes block while the channel is not writable);</li>
 *   <li>the Netty {@link #channel()}, for users who add their own codecs with {@link #attach}.</li>
 * </ul>
 * Half-close: {@link #shutdownOutput()} ends our write side (shs sends its goodbye) and the peer reads the end of
 * input while it can still write back; over transports without half-close (WebSockets) it closes the connection.
 */
public final class Connection implements AutoCloseable {
    private final Channel channel;
    private final Address remoteAddress;
    private final Optional<String> peerIdentity;
    private final boolean client;
    private final StreamHandler stream;
    private final InputStream input = new Input();
    private final OutputStream output = new Output();
    /** The write of our end of output, once {@link #shutdownOutput()} ran. */
    private volatile CompletableFuture<Void> outputEnd;

    Connection(Channel channel, Address remoteAddress, Optional<String> peerIdentity, boolean client,
               StreamHandler stream) {
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.peerIdentity = peerIdentity;
        this.client = client;
        this.stream = stream;
    }

    /** The peer as every layer saw it, such as {@code net:127.0.0.1:50123~shs:<their key>}. */
    public Address remoteAddress() {
        return remoteAddress;
    }

    /** The peer's identity as the last authenticating transform proved it (shs: its base64 public key). */
    public Optional<String> peerIdentity() {
        return peerIdentity;
    }

    /** True for a connection we dialled, false for one our server accepted. */
    public boolean isClient() {
        return client;
    }

    /** The Netty channel; the pipeline holds the transport's and transforms' handlers. */
    public Channel channel() {
        return channel;
    }

    /** Bytes from the peer; blocks; -1 at the peer's end of output. Not for use on an event loop. */
    public InputStream input() {
        return input;
    }

    /** Bytes to the peer; {@code close()} on it ends our write side, like {@link #shutdownOutput()}. */
    public OutputStream output() {
        return output;
    }

    /** Writes {@code data} (taking ownership) and flushes; completes when written to the transport. */
    public CompletableFuture<Void> write(ByteBuf data) {
        return ChannelFutures.toCompletable(channel.writeAndFlush(data));
    }

    /**
     * Replaces the built-in streams with your own handlers, added at the pipeline's tail. Anything that already
     * arrived is passed to them first, so nothing is lost; afterwards {@link #input()} is no longer fed.
     */
    public CompletableFuture<Void> attach(ChannelHandler... handlers) {
        Objects.requireNonNull(handlers, "handlers");
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            try {
                stream.handOver(handlers);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Ends our write side after what was written so far; see the class comment. */
    public CompletableFuture<Void> shutdownOutput() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        outputEnd = done;
        boolean queued = onEventLoop(() -> channel.writeAndFlush(EndOfOutput.INSTANCE).addListener(f -> {
            if (channel.pipeline().get(StreamHandler.class) == stream) {
                stream.outputEnded();
            }
            if (f.isSuccess()) {
                done.complete(null);
            } else {
                done.completeExceptionally(f.cause());
            }
        }));
        if (!queued) {
            done.completeExceptionally(new java.io.IOException("connection closed: " + remoteAddress));
        }
        return done;
    }

    /**
     * Runs {@code task} on the channel's event loop, or returns false when that loop no longer takes tasks (the
     * MultiServer is closing): then the loop's own shutdown closes the channel, and a Netty listener added from here
     * would only be refused and logged ({@code RejectedExecutionException: event executor terminated}).
     */
    private boolean onEventLoop(Runnable task) {
        io.netty.channel.EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            task.run();
            return true;
        }
        try {
            loop.execute(task);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return false;
        }
    }

    /** Completes when the connection is closed, by either side. */
    public CompletableFuture<Void> closeFuture() {
        return ChannelFutures.toCompletable(channel.closeFuture());
    }

    /**
     * Ends our output cleanly if it has not ended yet (shs sends its goodbye, so the peer reads an end rather than a
     * truncation), then closes both directions once everything written so far has gone to the transport: a writer
     * that closes right after its last write loses nothing. See {@link #abort()} to drop pending writes.
     */
    @Override
    public void close() {
        CompletableFuture<Void> ended = outputEnd;
        if (ended == null) {
            ended = channel.isActive() ? shutdownOutput() : CompletableFuture.completedFuture(null);
        }
        // Closes after a failed end of output too.
        ended.whenComplete((ok, error) -> onEventLoop(channel::close));
    }

    /** Closes both directions now, dropping writes not yet sent. */
    public void abort() {
        channel.close();
    }

    @Override
    public String toString() {
        return (client ? "connection to " : "connection from ") + remoteAddress;
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            try {
                return stream.read(b, off, len);
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                // The stream's error repeats the failure's message, with the failure as its cause.
                throw new ConnectionException(remoteAddress, String.valueOf(e.getMessage()),
                        e.getCause() != null ? e.getCause() : e);
            }
        }

        @Override
        public int available() {
            return stream.available();
        }

        @Override
        public void close() {
            Connection.this.close();
        }
    }

    /** The most one blocking write hands to Netty at once: the default high-water mark of a channel. */
    private static final int WRITE_PIECE = 64 * 1024;

    private final class Output extends OutputStream {
        private boolean ended;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (ended) {
                throw new IOException("output already ended");
            }
            if (!channel.isActive()) {
                throw new IOException("connection closed: " + remoteAddress);
            }
            // In pieces, each after the channel can take more, so one huge write is not queued whole.
            for (int done = 0; done < len; ) {
                stream.awaitWritable();
                int n = Math.min(len - done, WRITE_PIECE);
                ByteBuf buf = channel.alloc().buffer(n);
                buf.writeBytes(b, off + done, n);
                channel.writeAndFlush(buf, channel.voidPromise());
                done += n;
            }
        }

        @Override
        public void close() {
            if (!ended) {
                ended = true;
                shutdownOutput();
            }
        }
    }
}
