package org.multiserver.shs;

import io.netty.buffer.ByteBuf;

final class ByteBufs {
    private ByteBufs() {
    }

    /** Reads every readable byte (the buffer stays owned by the caller). */
    static byte[] drain(ByteBuf buf) {
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }
}
