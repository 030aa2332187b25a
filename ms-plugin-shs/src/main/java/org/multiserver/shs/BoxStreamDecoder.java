package org.multiserver.shs;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.multiserver.spi.ProtocolViolation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns box-stream frames into plaintext {@link ByteBuf}s, one per frame. On the goodbye header it fires
 * {@link ChannelInputShutdownEvent#INSTANCE} upstream: the layer above sees a half-close, whatever the transport
 * below can do, and from then on the application's input has ended cleanly, however the reads were cut. Data after
 * the goodbye closes the connection without an error (the clean end stays clean). A frame that fails
 * authentication, an oversized body, or the peer hanging up without a goodbye is a {@link BoxStreamException}: fired
 * upstream once, then the channel is closed and every further byte is dropped, so no plaintext after a bad frame
 * reaches the application.
 */
final class BoxStreamDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(BoxStreamDecoder.class);

    private enum State { OPEN, ENDED, FAILED }

    private final BoxStreamOpener opener;
    private final BoxStreamEncoder encoder;
    private State state = State.OPEN;
    /** Body length announced by a header already read, or -1 between frames. */
    private int pendingBody = -1;

    BoxStreamDecoder(BoxStreamOpener opener, BoxStreamEncoder encoder) {
        this.opener = opener;
        this.encoder = encoder;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (state == State.ENDED) {
            // The application's input ended cleanly at the goodbye, whether these bytes came in the same read or a
            // later one; they are a protocol violation, so we hang up without turning that clean end into an error,
            // and tell the platform, which reports it to the server's error handler.
            int trailing = in.readableBytes();
            LOG.debug("{} shs: {} bytes of box-stream data after the goodbye: closing", ctx.channel(), trailing);
            in.skipBytes(trailing);
            state = State.FAILED;
            ctx.fireUserEventTriggered(new ProtocolViolation(new BoxStreamException("shs: box-stream data after the"
                    + " goodbye (" + trailing + " bytes): the peer broke the protocol after its clean end")));
            ctx.close();
            return;
        }
        // At most one frame per call: ByteToMessageDecoder fires what we produced before calling us again, which
        // keeps the goodbye event behind the data that preceded it.
        try {
            if (pendingBody < 0) {
                if (in.readableBytes() < BoxStreamSealer.HEADER_BYTES) {
                    return;
                }
                int length = opener.openHeader(in);
                if (length == BoxStreamOpener.GOODBYE) {
                    state = State.ENDED;
                    ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    return;
                }
                pendingBody = length;
            }
            if (in.readableBytes() < pendingBody) {
                return;
            }
            int length = pendingBody;
            ByteBuf plain = ctx.alloc().buffer(length);
            try {
                opener.openBody(in, length, plain);
            } catch (BoxStreamException e) {
                plain.release();
                throw e;
            }
            pendingBody = -1;
            if (plain.isReadable()) {
                out.add(plain);
            } else {
                plain.release(); // an empty frame: legal, and nothing to deliver
            }
        } catch (BoxStreamException e) {
            fail(ctx, in, e);
        }
    }

    /** Called once the transport's input closed (channelInactive): complete frames were all decoded already. */
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
            // The transport's own end of input. After our goodbye it is expected and already announced upstream,
            // so it is swallowed; before it the stream was cut short.
            if (state == State.OPEN) {
                ByteBuf partial = internalBuffer();
                truncated(ctx, partial);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void truncated(ChannelHandlerContext ctx, ByteBuf in) {
        int buffered = in.readableBytes();
        String detail;
        if (pendingBody >= 0) {
            detail = " in the middle of frame " + (opener.frames() + 1) + " (" + buffered + " of " + pendingBody
                    + " body bytes)";
        } else if (buffered > 0) {
            detail = " in the middle of a header (" + buffered + " of 34 bytes)";
        } else {
            detail = " after " + opener.frames() + " frames";
        }
        fail(ctx, in, new BoxStreamException("shs: box-stream truncated: the peer ended without a goodbye" + detail));
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, BoxStreamException error) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        LOG.debug("{} {}", ctx.channel(), error.getMessage());
        ctx.fireExceptionCaught(error);
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        opener.wipe();
    }
}
