package org.multiserver.examples.gzip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses the peer's gzip member as it arrives, and hands on at most {@link #CHUNK} bytes at a time, only as
 * fast as the next handler reads. That is the zip-bomb defence: a few kilobytes can inflate to gigabytes, and a
 * decoder that inflates everything it got before returning holds all of it at once. This one stops after each chunk
 * when auto-read is off and resumes on the next {@code read()}, keeping the compressed rest, so memory stays bounded
 * by what the reader is willing to hold, whatever the ratio. (A cap on the ratio itself would not help: deflate
 * cannot exceed about 1032:1, and honest data of zeros comes close.)
 *
 * <p>The end of the peer's output ({@link ChannelInputShutdownEvent}) is passed on only after the member's last byte
 * and a good trailer; an end in the middle of the member is an error, and so is a close there.
 */
final class GzipDecoder extends ChannelDuplexHandler {
    static final String NAME = "gzip-inflate";
    /** Most bytes handed on in one read. */
    static final int CHUNK = 64 * 1024;
    /** Most compressed bytes given to the inflater at once. */
    private static final int SLICE = 16 * 1024;
    private static final int HEADER_LENGTH = 10;
    private static final int TRAILER_LENGTH = 8;

    private enum State { HEADER, BODY, TRAILER, END, FAILED }

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] slice = new byte[SLICE];
    private final byte[] chunk = new byte[CHUNK];
    private int sliceLength;
    private State state = State.HEADER;
    private ChannelHandlerContext ctx;
    private CompositeByteBuf input;
    private long size;
    private boolean anyInput;
    private boolean outputPending;
    private boolean readRequested;
    private boolean inputEnded;
    private boolean endPassed;
    private boolean draining;
    private boolean inactive;
    private boolean closedByUs;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.input = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        inflater.end(); // native memory: not left to the garbage collector
        if (input != null) {
            input.release();
            input = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == State.FAILED || input == null) {
            buf.release();
            return;
        }
        anyInput |= buf.isReadable();
        input.addComponent(true, buf);
        drain(false);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true; // passed on by drain, behind the last byte
            drain(false);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * A connection the peer closed (rather than ending its output) inside a member was cut: what we hold is handed on
     * first, as no later read could fetch it, and then the cut is reported, so that the next layer cannot take a
     * cut-off stream for a complete one. A connection that closed before sending anything was never a stream, and
     * one our side closed is not the peer's truncation.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive = true;
        drain(false);
        if (anyInput && !closedByUs && state != State.END && state != State.FAILED) {
            fail(new IOException("the connection closed inside the gzip stream (" + size + " bytes inflated):"
                    + " truncated"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void close(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
        closedByUs = true;
        ctx.close(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        // Held bytes first; and an end of input held back behind them is due as soon as they are gone.
        if (backlog() || inputEnded && !endPassed) {
            readRequested = true;
            drain(true);
        } else {
            ctx.read();
        }
    }

    /** Whether what the peer sent and we hold can make progress without more bytes from the transport. */
    private boolean backlog() {
        if (state == State.FAILED || input == null) {
            return false;
        }
        return switch (state) {
            case HEADER -> input.readableBytes() >= HEADER_LENGTH;
            case BODY -> outputPending || input.isReadable() || !inflater.needsInput();
            case TRAILER -> input.readableBytes() >= TRAILER_LENGTH;
            default -> input.isReadable(); // END: stray bytes, an error to report
        };
    }

    private boolean mayHandOn() {
        return readRequested || inactive || ctx.channel().config().isAutoRead();
    }

    private void drain(boolean forRead) {
        if (draining) {
            return; // a handler we fired into asked for more: the loop below is already on it
        }
        draining = true;
        boolean handedOn = false;
        boolean waitingForReader = false;
        try {
            loop:
            while (true) {
                switch (state) {
                    case HEADER -> {
                        if (input.readableBytes() < HEADER_LENGTH) {
                            break loop;
                        }
                        readHeader();
                    }
                    case BODY -> {
                        if (!mayHandOn()) {
                            waitingForReader = true;
                            break loop;
                        }
                        int step = inflateStep();
                        if (step < 0) {
                            break loop;
                        }
                        handedOn |= step > 0;
                    }
                    case TRAILER -> {
                        if (input.readableBytes() < TRAILER_LENGTH) {
                            break loop;
                        }
                        readTrailer();
                    }
                    case END -> {
                        if (input.isReadable()) {
                            throw new IOException("bytes after the end of the gzip stream");
                        }
                        break loop;
                    }
                    case FAILED -> {
                        break loop;
                    }
                }
            }
            // The end of input goes on only behind the last byte: not while the reader still holds us back.
            if (inputEnded && !endPassed && !waitingForReader && state != State.FAILED) {
                if (state == State.END || state == State.HEADER && !anyInput) {
                    endPassed = true;
                    ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                } else {
                    throw new IOException("the peer ended its output inside the gzip stream (" + size
                            + " bytes inflated): truncated");
                }
            }
        } catch (IOException | DataFormatException e) {
            fail(e);
        } finally {
            draining = false;
        }
        if (forRead) {
            if (handedOn) {
                ctx.fireChannelReadComplete();
            }
            // This read() was answered from what we held; the transport stopped reading while we held it. When
            // nothing here can move without more bytes, the read (or auto-read) must reach the transport again.
            boolean wantMore = readRequested || ctx.channel().config().isAutoRead();
            readRequested = false;
            if (wantMore && !backlog() && state != State.FAILED) {
                ctx.read();
            }
        }
    }

    /** One inflate call: 1 if it handed bytes on, 0 if it made other progress, -1 if it needs more input. */
    private int inflateStep() throws DataFormatException {
        boolean fed = false;
        if (inflater.needsInput() && !outputPending) {
            if (!input.isReadable()) {
                return -1;
            }
            sliceLength = Math.min(SLICE, input.readableBytes());
            input.readBytes(slice, 0, sliceLength);
            input.discardReadComponents();
            inflater.setInput(slice, 0, sliceLength);
            fed = true;
        }
        int n = inflater.inflate(chunk);
        // A full chunk may leave more output inside the inflater even when it needs no more input.
        outputPending = n == chunk.length;
        if (n > 0) {
            crc.update(chunk, 0, n);
            size += n;
            readRequested = false;
            ctx.fireChannelRead(ctx.alloc().heapBuffer(n).writeBytes(chunk, 0, n));
        }
        if (inflater.finished()) {
            // What the inflater was given beyond the deflate data is the trailer: put it back in front.
            int rest = inflater.getRemaining();
            if (rest > 0) {
                CompositeByteBuf fresh = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                fresh.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOfRange(slice, sliceLength - rest,
                        sliceLength)));
                fresh.addComponent(true, input.readRetainedSlice(input.readableBytes()));
                input.release();
                input = fresh;
            }
            outputPending = false;
            state = State.TRAILER;
            return n > 0 ? 1 : 0;
        }
        if (n == 0) {
            if (inflater.needsDictionary()) {
                throw new DataFormatException("a preset dictionary, which gzip does not use");
            }
            if (!fed && !inflater.needsInput()) {
                return -1; // no progress possible now; more input will tell
            }
        }
        return n > 0 ? 1 : 0;
    }

    private void readHeader() throws IOException {
        int at = input.readerIndex();
        if (input.getUnsignedByte(at) != 0x1f || input.getUnsignedByte(at + 1) != 0x8b) {
            throw new IOException("not a gzip stream: it starts with "
                    + io.netty.buffer.ByteBufUtil.hexDump(input, at, Math.min(16, input.readableBytes()))
                    + ", not the magic 1f8b");
        }
        if (input.getUnsignedByte(at + 2) != 8) {
            throw new IOException("compression method " + input.getUnsignedByte(at + 2) + " (only 8, deflate)");
        }
        int flags = input.getUnsignedByte(at + 3);
        if (flags != 0) {
            // Our encoder never sets them, nor does Java's GZIPOutputStream; names and comments mean nothing here.
            throw new IOException("gzip header flags 0x" + Integer.toHexString(flags) + " are not supported");
        }
        input.skipBytes(HEADER_LENGTH);
        state = State.BODY;
    }

    private void readTrailer() throws IOException {
        long expectedCrc = input.readUnsignedIntLE();
        long expectedSize = input.readUnsignedIntLE();
        if (expectedCrc != crc.getValue()) {
            throw new IOException("gzip trailer: CRC-32 mismatch, the stream was damaged");
        }
        if (expectedSize != (size & 0xffffffffL)) {
            throw new IOException("gzip trailer: size mismatch (" + expectedSize + " announced, " + size
                    + " inflated)");
        }
        state = State.END;
    }

    private void fail(Exception cause) {
        state = State.FAILED;
        if (input != null) {
            input.release();
            input = null;
        }
        // The stream cannot be resynchronised: report it and end the connection.
        ctx.fireExceptionCaught(new IOException("gzip: " + cause.getMessage(), cause));
        ctx.close();
    }
}
