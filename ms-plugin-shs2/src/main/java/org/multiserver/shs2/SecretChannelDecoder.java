package org.multiserver.shs2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.multiserver.spi.ProtocolViolation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Secret Channel chunks into plaintext {@link ByteBuf}s, one per content chunk, decrypted in place.
 *
 * <ul>
 *   <li>The end-of-stream chunk fires {@link ChannelInputShutdownEvent#INSTANCE} upstream: the layer above sees a
 *       half-close, whatever the transport below can do. From then on the application's input has ended cleanly,
 *       whatever follows and however the reads were cut.</li>
 *   <li>Bytes after end-of-stream: the reference ignores them; we close the connection without a word on the wire
 *       and without turning the clean end into an error. An honest encrypter never writes them, and ignoring them
 *       would let a peer make us read and discard data forever.</li>
 *   <li>A chunk that does not verify, or the transport ending before end-of-stream (truncation), is a
 *       {@link SecretChannelException}: fired upstream once, then the channel closes and every further byte is
 *       dropped, so no plaintext after a bad chunk reaches the application.</li>
 * </ul>
 */
final class SecretChannelDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(SecretChannelDecoder.class);

    private enum State { OPEN, ENDED, FAILED }

    private final ChannelCipher cipher;
    private final SecretChannelEncoder encoder;
    private State state = State.OPEN;
    /** Content length announced by a length chunk already read, or -1 between chunks. */
    private int pendingContent = -1;

    SecretChannelDecoder(ChannelCipher cipher, SecretChannelEncoder encoder) {
        this.cipher = cipher;
        this.encoder = encoder;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case FAILED -> {
                in.skipBytes(in.readableBytes());
                return;
            }
            case ENDED -> {
                int trailing = in.readableBytes();
                LOG.debug("{} shs2: {} bytes after the peer's end-of-stream: closing", ctx.channel(), trailing);
                in.skipBytes(trailing);
                state = State.FAILED;
                // The application's end stays clean; the platform reports this to the server's error handler.
                ctx.fireUserEventTriggered(new ProtocolViolation(new SecretChannelException("shs2: " + trailing
                        + " bytes after the peer's end-of-stream: it broke the protocol after its clean end")));
                ctx.close();
                return;
            }
            default -> {
            }
        }
        // At most one chunk per call: ByteToMessageDecoder fires what we produced before it calls us again, which
        // keeps the end-of-stream event behind the data before it.
        if (pendingContent < 0) {
            if (in.readableBytes() < ChannelCipher.LENGTH_CHUNK) {
                return;
            }
            int length = openLength(ctx, in);
            if (length < 0) {
                fail(ctx, in, new SecretChannelException("shs2: secret channel chunk " + (cipher.chunks() + 1)
                        + " (a length) does not verify: damaged, reordered or replayed"));
                return;
            }
            if (length == 0) {
                state = State.ENDED;
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                return;
            }
            pendingContent = length;
        }
        int chunk = pendingContent + Crypto.TAG_BYTES;
        if (in.readableBytes() < chunk) {
            return;
        }
        ByteBuf plain;
        if (inPlace(in)) {
            plain = cipher.openContent(in, pendingContent) ? in.retainedSlice(in.readerIndex(), pendingContent) : null;
            in.skipBytes(chunk);
        } else {
            plain = ctx.alloc().directBuffer(chunk);
            in.readBytes(plain, chunk);
            if (cipher.openContent(plain, pendingContent)) {
                plain.writerIndex(pendingContent);
            } else {
                plain.release();
                plain = null;
            }
        }
        if (plain == null) {
            fail(ctx, in, new SecretChannelException("shs2: secret channel chunk " + (cipher.chunks() + 1)
                    + " (content of " + pendingContent + " bytes) does not verify: damaged, reordered or replayed"));
            return;
        }
        pendingContent = -1;
        out.add(plain);
    }

    /** Whether libsodium may decrypt in {@code in} itself: contiguous native memory we own. */
    private static boolean inPlace(ByteBuf in) {
        return in.isDirect() && in.nioBufferCount() == 1 && !in.isReadOnly();
    }

    /** Opens the length chunk at the reader index, through a native copy when {@code in} is not native memory. */
    private int openLength(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.isDirect() && in.nioBufferCount() == 1) {
            return cipher.openLength(in);
        }
        ByteBuf copy = ctx.alloc().directBuffer(ChannelCipher.LENGTH_CHUNK);
        try {
            copy.writeBytes(in, in.readerIndex(), ChannelCipher.LENGTH_CHUNK);
            int length = cipher.openLength(copy);
            if (length >= 0) {
                in.skipBytes(ChannelCipher.LENGTH_CHUNK);
            }
            return length;
        } finally {
            copy.release();
        }
    }

    /** The transport's input closed (channelInactive): complete chunks were all decoded already. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.OPEN && !encoder.closedLocally()) {
            truncated(ctx, in);
        }
        in.skipBytes(in.readableBytes());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The transport's own end of input: after our end-of-stream it was announced already; before, the
            // stream was cut short.
            if (state == State.OPEN) {
                truncated(ctx, internalBuffer());
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void truncated(ChannelHandlerContext ctx, ByteBuf in) {
        int buffered = in.readableBytes();
        String where;
        if (pendingContent >= 0) {
            where = "in a content chunk (" + buffered + " of " + (pendingContent + Crypto.TAG_BYTES) + " bytes)";
        } else if (buffered > 0) {
            where = "in a length chunk (" + buffered + " of " + ChannelCipher.LENGTH_CHUNK + " bytes)";
        } else {
            where = "after " + cipher.chunks() + " chunks";
        }
        fail(ctx, in, new SecretChannelException("shs2: secret channel truncated: the peer ended without"
                + " end-of-stream, " + where));
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, SecretChannelException error) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        LOG.debug("{} {}", ctx.channel(), error.getMessage());
        ctx.fireExceptionCaught(error);
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cipher.close();
    }
}
