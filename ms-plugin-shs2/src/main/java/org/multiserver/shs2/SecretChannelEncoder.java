package org.multiserver.shs2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseCombiner;
import org.multiserver.spi.EndOfOutput;

/**
 * Turns the application's {@link ByteBuf}s into Secret Channel chunks: per piece of at most 65535 bytes a length
 * chunk and a content chunk, in one buffer; larger writes are split as the reference splits them (65536 bytes:
 * 65535 + 1), empty writes use no nonce. {@link EndOfOutput} becomes the end-of-stream chunk followed by the
 * {@link EndOfOutput} itself, so the transport below can half-close. Anything else is refused: passing an unknown
 * message through would put plaintext on the wire.
 *
 * <p>{@code close()} sends no end-of-stream: it is an abort, and the peer sees a truncated stream.
 */
final class SecretChannelEncoder extends ChannelOutboundHandlerAdapter {
    private final ChannelCipher cipher;
    private boolean ended;
    private boolean closedLocally;

    SecretChannelEncoder(ChannelCipher cipher) {
        this.cipher = cipher;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            writeData(ctx, buf, promise);
        } else if (msg == EndOfOutput.INSTANCE) {
            if (ended) {
                promise.setSuccess(); // ending twice is harmless
                return;
            }
            ended = true;
            ByteBuf end = ctx.alloc().directBuffer(ChannelCipher.LENGTH_CHUNK);
            cipher.sealLength(0, end);
            ctx.write(end, ctx.voidPromise());
            ctx.write(msg, promise);
        } else {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new UnsupportedOperationException("shs2 writes ByteBuf and EndOfOutput only, got "
                    + msg.getClass().getName()));
        }
    }

    private void writeData(ChannelHandlerContext ctx, ByteBuf buf, ChannelPromise promise) {
        ByteBuf plain = buf;
        try {
            if (ended) {
                promise.setFailure(new IllegalStateException("shs2: write after EndOfOutput"));
                return;
            }
            int length = buf.readableBytes();
            if (length == 0) {
                ctx.write(Unpooled.EMPTY_BUFFER, promise);
                return;
            }
            if (!buf.isDirect() || buf.nioBufferCount() != 1) {
                plain = ctx.alloc().directBuffer(length); // libsodium reads only contiguous native memory
                plain.writeBytes(buf, buf.readerIndex(), length);
            }
            // One buffer per piece: bounded allocations however large the write, one pass of libsodium per chunk.
            PromiseCombiner combiner = length > ChannelCipher.MAX_CONTENT ? new PromiseCombiner(ctx.executor()) : null;
            for (int at = 0; at < length; at += ChannelCipher.MAX_CONTENT) {
                int piece = Math.min(ChannelCipher.MAX_CONTENT, length - at);
                ByteBuf out = ctx.alloc().directBuffer(ChannelCipher.LENGTH_CHUNK + piece + Crypto.TAG_BYTES);
                try {
                    cipher.sealLength(piece, out);
                    cipher.sealContent(plain, plain.readerIndex() + at, piece, out);
                } catch (RuntimeException e) {
                    out.release();
                    throw e;
                }
                if (combiner == null) {
                    ctx.write(out, promise);
                } else {
                    combiner.add(ctx.write(out));
                }
            }
            if (combiner != null) {
                combiner.finish(promise);
            }
        } catch (RuntimeException e) {
            promise.tryFailure(e);
        } finally {
            if (plain != buf) {
                plain.release();
            }
            buf.release();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closedLocally = true;
        ctx.close(promise);
    }

    /** Whether the close came from above us (our application), so a missing end-of-stream is no error. */
    boolean closedLocally() {
        return closedLocally;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cipher.close();
    }
}
