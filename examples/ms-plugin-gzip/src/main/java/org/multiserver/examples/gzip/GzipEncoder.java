package org.multiserver.examples.gzip;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.multiserver.spi.EndOfOutput;

/**
 * Compresses what we write into one gzip member. Each write is deflated and sync-flushed on its own, so its bytes
 * leave at once, decodable by the peer without what comes next: that costs a few bytes per write and is what makes
 * interactive use work. {@link EndOfOutput} finishes the member (last block, CRC-32, size) and is then passed on.
 */
final class GzipEncoder extends ChannelOutboundHandlerAdapter {
    static final String NAME = "gzip-deflate";
    /** Header of a gzip member: magic, deflate, no flags, no time, no extra flags, unknown OS (RFC 1952). */
    static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private long size;
    private boolean headerWritten;
    private boolean finished;

    GzipEncoder(int level) {
        this.deflater = new Deflater(level, true); // raw deflate: the gzip framing is ours
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg == EndOfOutput.INSTANCE) {
            if (!finished) {
                finished = true;
                ctx.write(finish(ctx));
            }
            ctx.write(msg, promise);
            return;
        }
        if (!(msg instanceof ByteBuf data)) {
            ctx.write(msg, promise);
            return;
        }
        if (finished) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new ChannelOutputShutdownException("gzip: output already ended with EndOfOutput"));
            return;
        }
        ByteBuf out;
        try {
            out = compress(ctx, data);
        } finally {
            data.release();
        }
        ctx.write(out, promise);
    }

    private ByteBuf compress(ChannelHandlerContext ctx, ByteBuf data) {
        int length = data.readableBytes();
        ByteBuf out = ctx.alloc().heapBuffer(length / 2 + 64);
        writeHeaderOnce(out);
        if (length == 0) {
            return out;
        }
        ByteBuffer input = data.nioBuffer();
        crc.update(input.duplicate());
        size += length;
        deflater.setInput(input);
        // With SYNC_FLUSH, a call that fills the whole space given must be repeated: more output is waiting.
        int produced;
        do {
            out.ensureWritable(Math.max(64, length / 4));
            produced = deflateInto(out, Deflater.SYNC_FLUSH);
        } while (produced > 0 && !out.isWritable() || !deflater.needsInput());
        return out;
    }

    private ByteBuf finish(ChannelHandlerContext ctx) {
        ByteBuf out = ctx.alloc().heapBuffer(64);
        writeHeaderOnce(out); // an empty stream is still a whole gzip member
        deflater.finish();
        while (!deflater.finished()) {
            out.ensureWritable(64);
            deflateInto(out, Deflater.NO_FLUSH);
        }
        out.writeIntLE((int) crc.getValue());
        out.writeIntLE((int) size); // ISIZE is the size modulo 2^32
        return out;
    }

    private int deflateInto(ByteBuf out, int flush) {
        ByteBuffer space = out.nioBuffer(out.writerIndex(), out.writableBytes());
        int produced = deflater.deflate(space, flush);
        out.writerIndex(out.writerIndex() + produced);
        return produced;
    }

    private void writeHeaderOnce(ByteBuf out) {
        if (!headerWritten) {
            headerWritten = true;
            out.writeBytes(HEADER);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deflater.end(); // native memory: not left to the garbage collector
    }
}
