package org.multiserver.examples.gzip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.multiserver.spi.EndOfOutput;
import org.multiserver.spi.PluginContext;

/** The encoder and decoder alone, on embedded channels, checked against the JDK's own gzip streams. */
class GzipCodecTest {
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void eachWriteIsReadableByThePeerAtOnce() {
        EmbeddedChannel writer = encoder();
        EmbeddedChannel reader = decoder();
        for (String line : List.of("hello\n", "is anyone there?\n", "x")) {
            writer.writeAndFlush(text(line));
            // Nothing more is written: the peer must still get this line whole, which needs a flush per write.
            Object compressed = writer.readOutbound();
            reader.writeInbound(compressed);
            assertThat(readAll(reader)).isEqualTo(line);
        }
    }

    @Test
    void theJdkReadsWhatWeWriteAndWeReadWhatTheJdkWrites() throws IOException {
        EmbeddedChannel writer = encoder();
        writer.writeAndFlush(text("first "));
        writer.writeAndFlush(text("second"));
        writer.writeAndFlush(EndOfOutput.INSTANCE);
        byte[] wire = drainOutbound(writer);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(wire))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("first second");
        }
        Object more = writer.readOutbound();
        assertThat(more).as("nothing after the member").isNull();

        ByteArrayOutputStream jdk = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(jdk, true)) {
            out.write("from the JDK".getBytes(StandardCharsets.UTF_8));
        }
        EmbeddedChannel reader = decoder();
        reader.writeInbound(Unpooled.wrappedBuffer(jdk.toByteArray()));
        assertThat(readAll(reader)).isEqualTo("from the JDK");
    }

    @Test
    void endOfOutputFinishesTheStreamThenPassesOnAndLaterWritesFail() {
        EmbeddedChannel writer = encoder();
        writer.writeAndFlush(text("last words"));
        writer.writeAndFlush(EndOfOutput.INSTANCE);
        List<Object> out = new ArrayList<>();
        for (Object o; (o = writer.readOutbound()) != null; ) {
            out.add(o);
        }
        assertThat(out.get(out.size() - 1)).isSameAs(EndOfOutput.INSTANCE);
        ByteBuf trailer = (ByteBuf) out.get(out.size() - 2);
        assertThat(trailer.readableBytes()).as("last block and 8-byte trailer").isGreaterThanOrEqualTo(8);
        out.forEach(io.netty.util.ReferenceCountUtil::release);

        ChannelFuture late = writer.writeAndFlush(text("too late"));
        assertThat(late.cause()).isInstanceOf(ChannelOutputShutdownException.class);
    }

    @Test
    void theEndOfInputIsPassedOnOnlyAfterAWholeMember() {
        EmbeddedChannel writer = encoder();
        writer.writeAndFlush(text("complete"));
        writer.writeAndFlush(EndOfOutput.INSTANCE);
        byte[] wire = drainOutbound(writer);

        Events events = new Events();
        EmbeddedChannel whole = new EmbeddedChannel(new GzipDecoder(), events);
        channels.add(whole);
        whole.writeInbound(Unpooled.wrappedBuffer(wire));
        whole.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(events.ended).isTrue();
        assertThat(events.errors).isEmpty();

        Events cut = new Events();
        EmbeddedChannel truncated = new EmbeddedChannel(new GzipDecoder(), cut);
        channels.add(truncated);
        truncated.writeInbound(Unpooled.wrappedBuffer(wire, 0, wire.length - 4));
        truncated.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(cut.ended).isFalse();
        assertThat(cut.errors).singleElement().asString().contains("truncated");
        assertThat(truncated.isOpen()).isFalse();
    }

    @Test
    void aDamagedStreamIsAnErrorNotGarbage() {
        EmbeddedChannel writer = encoder();
        writer.writeAndFlush(text("checksummed"));
        writer.writeAndFlush(EndOfOutput.INSTANCE);
        byte[] wire = drainOutbound(writer);
        wire[wire.length - 8] ^= 1; // the CRC-32

        Events events = new Events();
        EmbeddedChannel reader = new EmbeddedChannel(new GzipDecoder(), events);
        channels.add(reader);
        reader.writeInbound(Unpooled.wrappedBuffer(wire));
        assertThat(events.errors).singleElement().asString().contains("CRC-32");
    }

    @Test
    void aBombInflatesOneChunkPerReadWhenTheReaderHoldsBack() throws IOException {
        // 16 MiB of zeros, about 16 KiB on the wire: what one small read would blow up to without the bound.
        int inflated = 16 * 1024 * 1024;
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bomb, 64 * 1024)) {
            out.write(new byte[inflated]);
        }
        assertThat(bomb.size()).isLessThan(inflated / 500);
        EmbeddedChannel reader = decoder();
        reader.config().setAutoRead(false);
        reader.writeInbound(Unpooled.wrappedBuffer(bomb.toByteArray()));
        long first = held(reader);
        assertThat(first).as("bytes handed on before anyone read").isLessThanOrEqualTo(GzipDecoder.CHUNK);
        reader.read();
        long second = held(reader);
        assertThat(second).as("bytes handed on for one read()").isBetween(1L, (long) GzipDecoder.CHUNK);

        reader.config().setAutoRead(true);
        reader.read();
        assertThat(first + second + held(reader)).as("all of it, once the reader reads freely").isEqualTo(inflated);
    }

    @Test
    void manyWritesOfRandomSizesRoundTrip() {
        EmbeddedChannel writer = encoder();
        EmbeddedChannel reader = decoder();
        Random random = new Random(7);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            byte[] data = new byte[random.nextInt(3) == 0 ? random.nextInt(200_000) : random.nextInt(100)];
            for (int j = 0; j < data.length; j++) {
                data[j] = (byte) (random.nextInt(4) == 0 ? random.nextInt() : j / 64); // some runs, some noise
            }
            sent.writeBytes(data);
            writer.writeAndFlush(Unpooled.wrappedBuffer(data));
            for (Object o; (o = writer.readOutbound()) != null; ) {
                reader.writeInbound(o);
            }
            for (ByteBuf b; (b = reader.readInbound()) != null; ) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                b.release();
                received.writeBytes(bytes);
            }
        }
        assertThat(received.toByteArray()).isEqualTo(sent.toByteArray());
    }

    @Test
    void aLevelOutsideZeroToNineIsRefused() {
        // A group that never starts a thread: creating a transform does no I/O.
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        try {
            PluginContext context = PluginContext.builder()
                    .eventLoopGroup(loops, NioSocketChannel.class, NioServerSocketChannel.class)
                    .option(GzipOptions.LEVEL, 10).build();
            assertThatThrownBy(() -> new GzipTransformProvider().create(context)).hasMessageContaining("gzip.level");
        } finally {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void dataInAListenSpecIsRefusedAtItsColumn() {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        try {
            PluginContext context = PluginContext.builder()
                    .eventLoopGroup(loops, NioSocketChannel.class, NioServerSocketChannel.class)
                    .listenSpec(org.multiserver.address.Address.parse("net:h:1~gzip:9").transforms().get(0)).build();
            assertThatThrownBy(() -> new GzipTransformProvider().create(context))
                    .isInstanceOfSatisfying(org.multiserver.address.AddressSyntaxException.class, e -> {
                        assertThat(e.column()).isEqualTo(14);
                        assertThat(e.reason()).startsWith("gzip takes no data");
                    });
        } finally {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCloseIsNotAnEndNoTrailerIsWritten() {
        EmbeddedChannel writer = encoder();
        writer.writeAndFlush(text("cut short"));
        byte[] before = drainOutbound(writer);
        writer.close();
        assertThat(drainOutbound(writer)).as("nothing written by the close: the peer must see a cut, not an end")
                .isEmpty();
        assertThat(before).isNotEmpty();
    }

    // ---- helpers ----

    private EmbeddedChannel encoder() {
        EmbeddedChannel ch = new EmbeddedChannel(new GzipEncoder(6));
        channels.add(ch);
        return ch;
    }

    private EmbeddedChannel decoder() {
        EmbeddedChannel ch = new EmbeddedChannel(new GzipDecoder());
        channels.add(ch);
        return ch;
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static String readAll(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = ch.readInbound()) != null; ) {
            out.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return out.toString();
    }

    private static long held(EmbeddedChannel ch) {
        long total = 0;
        for (ByteBuf b; (b = ch.readInbound()) != null; ) {
            total += b.readableBytes();
            b.release();
        }
        return total;
    }

    private static byte[] drainOutbound(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof ByteBuf b) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                b.release();
                out.writeBytes(bytes);
            }
        }
        return out.toByteArray();
    }

    /** Records what reaches the end of an embedded pipeline besides bytes. */
    private static final class Events extends ChannelInboundHandlerAdapter {
        boolean ended;
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ended |= evt instanceof ChannelInputShutdownEvent;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }
}
