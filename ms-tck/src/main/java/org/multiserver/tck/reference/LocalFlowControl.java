package org.multiserver.tck.reference;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Credit-based flow control for a pair of local channels. A {@code LocalChannel} moves every flushed message
 * straight into its peer's inbound queue, which has no bound: a peer that stops reading would never make the writer
 * unwritable, and the writer would fill the heap. Here each direction counts the bytes its writer flushed that its
 * reader has not taken yet; above {@link #WINDOW} the writer holds its flushes, so writes stay in its own
 * {@code ChannelOutboundBuffer} and the channel turns unwritable there, exactly as a socket with full kernel buffers
 * does. When the reader takes bytes and the count falls below the window, it wakes the writer on its event loop.
 *
 * <p>First in both pipelines of a connection (next to the head), so it counts the bytes that really cross.
 */
final class LocalFlowControl extends ChannelDuplexHandler {
    static final String NAME = "local-flow-control";
    /** Bytes in flight per direction before the writer holds its flushes. */
    static final int WINDOW = 128 * 1024;

    /** Both directions of one connection, shared by its two channels. */
    static final class Link {
        final Credit clientToServer = new Credit();
        final Credit serverToClient = new Credit();
    }

    /** One direction: bytes flushed by its writer and not yet read by its reader. */
    static final class Credit {
        private final AtomicLong unread = new AtomicLong();
        private volatile LocalFlowControl writer;
    }

    private final Credit out;
    private final Credit in;
    private ChannelHandlerContext ctx;
    /** Bytes written since the last flush we passed on; they are in flight once that flush goes through. */
    private long unflushed;
    private boolean flushHeld;

    LocalFlowControl(Credit out, Credit in) {
        this.out = out;
        this.in = in;
    }

    static LocalFlowControl client(Link link) {
        return new LocalFlowControl(link.clientToServer, link.serverToClient);
    }

    static LocalFlowControl server(Link link) {
        return new LocalFlowControl(link.serverToClient, link.clientToServer);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        out.writer = this;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            unflushed += buf.readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (out.unread.get() >= WINDOW) {
            flushHeld = true; // the reader's wake-up (resume) passes it on
            return;
        }
        passFlush();
    }

    private void passFlush() {
        flushHeld = false;
        out.unread.addAndGet(unflushed);
        unflushed = 0;
        ctx.flush();
    }

    /** Runs on this writer's event loop after the reader took bytes. */
    private void resume() {
        if (flushHeld && out.unread.get() < WINDOW) {
            passFlush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            int taken = buf.readableBytes();
            long left = in.unread.addAndGet(-taken);
            // Wake the writer only when the window reopens; a wake-up is queued on its loop, so it runs after the
            // writer finished deciding to hold, and none is lost.
            if (left < WINDOW && left + taken >= WINDOW) {
                LocalFlowControl writer = in.writer;
                if (writer != null && writer.ctx != null) {
                    writer.ctx.executor().execute(writer::resume);
                }
            }
        }
        ctx.fireChannelRead(msg);
    }
}
