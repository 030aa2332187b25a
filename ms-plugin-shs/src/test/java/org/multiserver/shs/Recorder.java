package org.multiserver.shs;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The application end of a test pipeline: keeps every plaintext byte, counts input-shutdown events, and records the
 * first exception and the end of the channel as futures (sockets deliver on an event loop thread).
 */
class Recorder extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final List<Object> events = new ArrayList<>();
    final CompletableFuture<Void> inputEnded = new CompletableFuture<>();
    final CompletableFuture<Throwable> error = new CompletableFuture<>();
    final CompletableFuture<Void> inactive = new CompletableFuture<>();
    private long expected = -1;
    private int largestRead;
    private int reads;
    final CompletableFuture<byte[]> allReceived = new CompletableFuture<>();

    /** Completes {@link #allReceived} once this many bytes arrived. */
    synchronized Recorder expect(long bytes) {
        expected = bytes;
        maybeDone();
        return this;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            synchronized (this) {
                if (inputEnded.isDone()) {
                    error.complete(new AssertionError("data after the end of input"));
                }
                largestRead = Math.max(largestRead, buf.readableBytes());
                reads++;
                buf.readBytes(data, buf.readableBytes());
                maybeDone();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            buf.release();
        }
    }

    private void maybeDone() {
        if (expected >= 0 && data.size() >= expected) {
            allReceived.complete(data.toByteArray());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        synchronized (this) {
            events.add(evt);
        }
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            inputEnded.complete(null);
        }
        onEvent(ctx, evt);
    }

    /** Hook for echo servers. */
    void onEvent(ChannelHandlerContext ctx, Object evt) {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        error.complete(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive.complete(null);
    }

    synchronized byte[] bytes() {
        return data.toByteArray();
    }

    synchronized int largestRead() {
        return largestRead;
    }

    synchronized int reads() {
        return reads;
    }

    /** The protocol violations reported after the clean end, in their words. */
    synchronized List<String> violations() {
        return events.stream().filter(e -> e instanceof org.multiserver.spi.ProtocolViolation)
                .map(e -> ((org.multiserver.spi.ProtocolViolation) e).error().getMessage()).toList();
    }

    synchronized long inputShutdownEvents() {
        return events.stream().filter(e -> e == ChannelInputShutdownEvent.INSTANCE).count();
    }
}
