package org.multiserver.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.multiserver.spi.ProtocolViolation;

/**
 * The last handler of every connection until the user attaches their own: it holds what arrives (bounded: reading
 * stops above {@link #HIGH_WATER} and resumes below {@link #LOW_WATER}) and serves the blocking streams of
 * {@link Connection}. Chunks are copied out of Netty buffers on arrival, so nothing here can leak a buffer.
 */
final class StreamHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = org.multiserver.spi.Pipelines.TAIL;
    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private int offsetInHead;
    private long queued;
    private boolean inputEnded;
    private boolean closed;
    private Throwable failure;
    private volatile boolean outputEnded;
    private ChannelHandlerContext ctx;
    /** Where a {@link ProtocolViolation} after a clean end goes: the server's error handler, or a client's log. */
    private final Consumer<IOException> violations;

    StreamHandler(Consumer<IOException> violations) {
        this.violations = violations;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (!ctx.channel().isOpen()) {
            markClosed(); // closed before we arrived: channelInactive will not come
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (!buf.isReadable()) {
                return;
            }
            byte[] chunk = new byte[buf.readableBytes()];
            buf.readBytes(chunk);
            lock.lock();
            try {
                chunks.add(chunk);
                queued += chunk.length;
                if (queued >= HIGH_WATER) {
                    ctx.channel().config().setAutoRead(false);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        } finally {
            buf.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ProtocolViolation violation) {
            violations.accept(violation.error()); // the input's clean end stays clean; the transform closes
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            lock.lock();
            try {
                inputEnded = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (outputEnded) {
                ctx.close(); // both directions are done: free the socket
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        markClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        ctx.close();
    }

    private void markClosed() {
        lock.lock();
        try {
            closed = true;
            inputEnded = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Our write side has ended; once the peer's has too, the connection closes. Runs on the event loop. */
    void outputEnded() {
        outputEnded = true;
        boolean bothDone;
        lock.lock();
        try {
            bothDone = inputEnded;
        } finally {
            lock.unlock();
        }
        if (bothDone) {
            ctx.close();
        }
    }

    /** Blocking read for {@link Connection#input()}: -1 at the end of input, an IOException after a failure. */
    int read(byte[] into, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        refuseEventLoop();
        lock.lock();
        try {
            while (chunks.isEmpty() && !inputEnded && failure == null) {
                awaitChange();
            }
            if (chunks.isEmpty()) {
                if (failure != null) {
                    throw new IOException(failure.getMessage(), failure);
                }
                return -1;
            }
            int copied = 0;
            while (copied < len && !chunks.isEmpty()) {
                byte[] head = chunks.peek();
                int n = Math.min(len - copied, head.length - offsetInHead);
                System.arraycopy(head, offsetInHead, into, off + copied, n);
                copied += n;
                offsetInHead += n;
                if (offsetInHead == head.length) {
                    chunks.poll();
                    offsetInHead = 0;
                }
            }
            long before = queued;
            queued -= copied;
            if (before >= LOW_WATER && queued < LOW_WATER) {
                // Only on the event loop: toggling autoRead from another thread races with epoll (seen here:
                // the channel closed itself mid-transfer with epoll_ctl ENOENT).
                ctx.executor().execute(() -> ctx.channel().config().setAutoRead(true));
            }
            return copied;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes available without blocking. */
    int available() {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, queued);
        } finally {
            lock.unlock();
        }
    }

    /** Blocks while the channel is not writable, so a fast writer cannot fill memory. */
    void awaitWritable() throws IOException {
        if (ctx.executor().inEventLoop()) {
            return; // never block an event loop; Netty queues the write
        }
        lock.lock();
        try {
            // The channel's own flag, not the last event: Netty turns it off at once, while the event that tells us
            // waits behind the queued writes, and a fast writer would overshoot by megabytes meanwhile.
            while (!ctx.channel().isWritable() && !closed) {
                awaitChange();
            }
            if (closed) {
                throw new IOException("connection closed", failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands the connection to the user's handlers: adds them after this one, passes on what was already held (and
     * an end of input that already arrived), then steps aside. Runs on the event loop.
     */
    void handOver(ChannelHandler... handlers) {
        ctx.pipeline().addLast(handlers);
        lock.lock();
        try {
            int skip = offsetInHead;
            for (byte[] chunk : chunks) {
                ctx.fireChannelRead(Unpooled.wrappedBuffer(chunk, skip, chunk.length - skip));
                skip = 0;
            }
            chunks.clear();
            queued = 0;
            offsetInHead = 0;
            ctx.fireChannelReadComplete();
            if (inputEnded && !closed) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        } finally {
            lock.unlock();
        }
        ctx.pipeline().remove(this);
        ctx.channel().config().setAutoRead(true);
    }

    private void awaitChange() throws InterruptedIOException {
        try {
            changed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on the connection");
        }
    }

    private void refuseEventLoop() {
        if (ctx.executor().inEventLoop()) {
            throw new IllegalStateException("blocking read on a Netty event loop; use Connection.attach for"
                    + " non-blocking handling");
        }
    }
}
