package org.multiserver.shs2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * The application at the top of a test pipeline: copies and releases every buffer that reaches it (so PARANOID leak
 * detection stays quiet), and records user events and exceptions instead of letting EmbeddedChannel rethrow them.
 */
final class KatRecorder extends ChannelInboundHandlerAdapter {
    final List<byte[]> reads = new ArrayList<>();
    final List<Object> events = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    final List<Object> others = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf buf) {
                reads.add(ByteBufUtil.getBytes(buf));
            } else {
                others.add(msg.toString());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
    }

    List<Integer> readLengths() {
        return reads.stream().map(b -> b.length).toList();
    }

    byte[] data() {
        return Kat.concat(reads.toArray(new byte[0][]));
    }

    long inputShutdowns() {
        return events.stream().filter(e -> e == ChannelInputShutdownEvent.INSTANCE).count();
    }
}
