package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our client frames, read by Netty's server-side decoder (which insists on masked frames), carry what was written. */
class MaskingFrameEncoderTest {
    private static final int MAX = 1 << 20;

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 3, 7, 8, 9, 125, 126, 127, 4130, 65535, 65536, 65537, 100_003})
    void everyLengthAndAlignmentRoundTrips(int length) {
        byte[] payload = new byte[length];
        new Random(length).nextBytes(payload);
        for (IntFunction<ByteBuf> source : sources(payload)) {
            assertThat(roundTrip(source.apply(0))).as("direct, heap and composite, at offsets 0 to 7").isEqualTo(payload);
            for (int offset = 1; offset < 8; offset++) {
                assertThat(roundTrip(source.apply(offset))).isEqualTo(payload);
            }
        }
    }

    @ParameterizedTest(name = "{0} frames")
    @ValueSource(ints = {2, 50})
    void masksDifferFromFrameToFrame(int frames) {
        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        java.util.Set<Integer> masks = new java.util.HashSet<>();
        for (int i = 0; i < frames; i++) {
            client.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[200])));
            ByteBuf wire = client.readOutbound();
            masks.add(wire.getInt(4)); // 2 header bytes, 2 length bytes, then the mask
            wire.release();
        }
        client.finishAndReleaseAll();
        assertThat(masks).hasSizeGreaterThan(frames / 2);
    }

    @ParameterizedTest(name = "status {0}")
    @ValueSource(ints = {1000})
    void controlFramesGoThroughNettysEncoder(int status) {
        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket13FrameDecoder(true, false, MAX));
        client.writeOutbound(new CloseWebSocketFrame(WebSocketCloseStatus.valueOf(status)));
        server.writeInbound((ByteBuf) client.readOutbound());
        CloseWebSocketFrame close = server.readInbound();
        assertThat(close.statusCode()).isEqualTo(status);
        close.release();
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    private static byte[] roundTrip(ByteBuf content) {
        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket13FrameDecoder(true, false, MAX));
        client.writeOutbound(new BinaryWebSocketFrame(content));
        ByteBuf wire;
        while ((wire = client.readOutbound()) != null) {
            server.writeInbound(wire);
        }
        WebSocketFrame frame = server.readInbound();
        byte[] read = ByteBufUtil.getBytes(frame.content());
        frame.release();
        assertThat(client.finishAndReleaseAll()).isFalse();
        assertThat(server.finishAndReleaseAll()).isFalse();
        return read;
    }

    /** The payload in a direct, a heap and a two-part buffer, behind {@code offset} bytes already read. */
    private static java.util.List<IntFunction<ByteBuf>> sources(byte[] payload) {
        IntFunction<ByteBuf> direct = offset -> ByteBufAllocator.DEFAULT.directBuffer(offset + payload.length)
                .writeZero(offset).writeBytes(payload).skipBytes(offset);
        IntFunction<ByteBuf> heap = offset -> Unpooled.buffer(offset + payload.length)
                .writeZero(offset).writeBytes(payload).skipBytes(offset);
        IntFunction<ByteBuf> composite = offset -> {
            CompositeByteBuf parts = Unpooled.compositeBuffer();
            int half = payload.length / 2;
            parts.addComponent(true, Unpooled.buffer().writeZero(offset).writeBytes(payload, 0, half));
            parts.addComponent(true, Unpooled.directBuffer().writeBytes(payload, half, payload.length - half));
            return parts.skipBytes(offset);
        };
        return java.util.List.of(direct, heap, composite);
    }
}
