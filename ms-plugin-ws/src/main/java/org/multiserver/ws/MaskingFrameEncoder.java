package org.multiserver.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client's frame encoder: RFC 6455 masked frames, as Netty's, with the binary frames that carry the stream
 * masked eight bytes at a time on the buffers' memory. Netty's encoder masks through {@code ByteBuf.getLong} and
 * {@code writeLong}, a bounds and capacity check per eight bytes: 15% of the client's event loop in a ws~shs echo
 * (docs/PERFORMANCE.md). Control and text frames, and payloads not in one piece of memory, go to Netty's encoder.
 * The mask comes from {@link ThreadLocalRandom}, as Netty's default.
 */
final class MaskingFrameEncoder extends WebSocket13FrameEncoder {
    private static final int OPCODE_BINARY = 0x2;
    private static final int FIN = 0x80;
    private static final int MASKED = 0x80;

    MaskingFrameEncoder() {
        super(true);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) throws Exception {
        ByteBuf data = frame.content();
        if (!(frame instanceof BinaryWebSocketFrame) || !frame.isFinalFragment() || frame.rsv() != 0
                || data.nioBufferCount() != 1) {
            super.encode(ctx, frame, out);
            return;
        }
        int length = data.readableBytes();
        int lengthBytes = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
        ByteBuf buf = ctx.alloc().buffer(2 + lengthBytes + 4 + length);
        try {
            buf.writeByte(FIN | OPCODE_BINARY);
            if (lengthBytes == 0) {
                buf.writeByte(MASKED | length);
            } else if (lengthBytes == 2) {
                buf.writeByte(MASKED | 126).writeShort(length);
            } else {
                buf.writeByte(MASKED | 127).writeLong(length);
            }
            int mask = ThreadLocalRandom.current().nextInt();
            buf.writeInt(mask);
            if (buf.nioBufferCount() != 1) { // not from our allocators, but then Netty's way is still right
                buf.release();
                buf = null;
                super.encode(ctx, frame, out);
                return;
            }
            mask(data, buf, length, mask);
            out.add(buf);
            buf = null;
        } finally {
            if (buf != null) {
                buf.release();
            }
        }
    }

    /** Writes {@code length} bytes of {@code src} XOR the 4-byte mask (big-endian {@code mask}) to {@code dst}. */
    static void mask(ByteBuf src, ByteBuf dst, int length, int mask) {
        // Big-endian views (ByteBuffer's default), as the mask is on the wire: payload byte i meets mask byte i % 4.
        ByteBuffer from = src.nioBuffer(src.readerIndex(), length);
        ByteBuffer to = dst.nioBuffer(dst.writerIndex(), length);
        long mask64 = (mask & 0xFFFF_FFFFL) | ((long) mask << 32);
        int i = 0;
        for (int last = length - 8; i <= last; i += 8) {
            to.putLong(i, from.getLong(i) ^ mask64);
        }
        for (; i < length; i++) {
            to.put(i, (byte) (from.get(i) ^ maskByte(mask, i)));
        }
        dst.writerIndex(dst.writerIndex() + length);
    }

    private static byte maskByte(int mask, int i) {
        return (byte) (mask >>> (24 - 8 * (i & 3)));
    }
}
