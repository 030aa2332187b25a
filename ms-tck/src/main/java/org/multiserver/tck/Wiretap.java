package org.multiserver.tck;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Watches the raw bytes a transport delivers, under the transform, for a needle: bytes the application wrote that
 * must never cross the wire as they are. Sits between the transport's handlers and the transform's and changes
 * nothing; it finds the needle across read boundaries too.
 */
final class Wiretap extends ChannelInboundHandlerAdapter {
    static final String NAME = "tck-wiretap";

    private final byte[] needle;
    private final CompletableFuture<Long> seen = new CompletableFuture<>();
    /** The last {@code needle.length - 1} bytes of the previous reads, so a needle cut by a read is found. */
    private byte[] carry = new byte[0];
    private long offset;

    Wiretap(byte[] needle) {
        this.needle = needle.clone();
    }

    /** Completes with the stream offset where the needle appeared in the clear. */
    CompletableFuture<Long> seen() {
        return seen;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && !seen.isDone() && buf.isReadable()) {
            byte[] window = new byte[carry.length + buf.readableBytes()];
            System.arraycopy(carry, 0, window, 0, carry.length);
            buf.getBytes(buf.readerIndex(), window, carry.length, buf.readableBytes());
            int at = indexOf(window);
            if (at >= 0) {
                seen.complete(offset - carry.length + at);
            }
            offset += buf.readableBytes();
            int keep = Math.min(window.length, needle.length - 1);
            carry = Arrays.copyOfRange(window, window.length - keep, window.length);
        }
        ctx.fireChannelRead(msg);
    }

    private int indexOf(byte[] haystack) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
