package org.multiserver.bench.shs2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.multiserver.bench.CpuClock;
import org.multiserver.bench.ThreadCpu;
import org.multiserver.bench.TransformPair;
import org.multiserver.shs2.Shs2TransformProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Secret Channel codec on the hot path: one operation is one application write of {@code size} bytes (one length
 * chunk of 18 bytes and one content chunk of {@code size} + 16) through the real Netty handlers of a handshaken shs2
 * pair. Throughput in MB/s = ops/s x size / 10^6. {@code size=65535} is the largest write that is one chunk pair;
 * {@code size=4096} is box-stream's frame, for a like-for-like comparison with {@code BoxStreamBenchmark}.
 *
 * <p>Decoding needs a never-ending stream of valid chunks (each nonce is used once), so every invocation decodes a
 * batch of {@link #BATCH} chunk pairs that the client side encoded in an untimed per-invocation setup, each pair
 * arriving as one inbound buffer, as a socket read of it would.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Shs2ChannelBenchmark {
    static final int BATCH = 128;
    /** The length chunk (2 + 16) and the content chunk's tag (16). */
    static final int OVERHEAD = 18 + 16;

    /** A handshaken shs2 pair of channels and one direct body of {@code size} bytes. */
    @State(Scope.Thread)
    public static class Codec {
        @Param({"4096", "65535"})
        public int size;

        TransformPair pair;
        EmbeddedChannel client;
        EmbeddedChannel server;
        ByteBuf body;

        @Setup(Level.Trial)
        public void setUp() {
            pair = new TransformPair(new Shs2TransformProvider());
            EmbeddedChannel[] channels = pair.connect();
            client = channels[0];
            server = channels[1];
            byte[] bytes = new byte[size];
            for (int i = 0; i < size; i++) {
                bytes[i] = (byte) (i * 7 + i / 251);
            }
            body = Unpooled.directBuffer(size).writeBytes(bytes);
            selfCheck(bytes);
        }

        /** One write through both codecs, compared byte for byte: a benchmark of a broken codec must not run. */
        private void selfCheck(byte[] expected) {
            ByteBuf wire = encodeOne();
            if (wire.readableBytes() != size + OVERHEAD) {
                throw new IllegalStateException("expected one chunk pair of " + (size + OVERHEAD) + " bytes, got "
                        + wire.readableBytes());
            }
            server.writeInbound(wire);
            ByteBuf plain = server.readInbound();
            byte[] got = new byte[plain.readableBytes()];
            plain.readBytes(got);
            plain.release();
            if (!Arrays.equals(got, expected) || server.readInbound() != null) {
                throw new IllegalStateException("Secret Channel round trip changed the bytes");
            }
        }

        ByteBuf encodeOne() {
            client.writeOutbound(body.retainedDuplicate());
            ByteBuf wire = client.readOutbound();
            if (client.outboundMessages().peek() != null) {
                throw new IllegalStateException("one write of " + size + " bytes became more than one buffer");
            }
            return wire;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            body.release();
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
            pair.close();
        }
    }

    /**
     * A codec pair of its own plus the next {@link #BATCH} chunk pairs for {@link #decode}, encoded by the client
     * side outside the timing (as in {@code BoxStreamBenchmark}: JMH 1.37 hands a state's setup method a different
     * {@code Scope.Thread} instance than the benchmark method gets, so the batch owns its codec; chunks not yet
     * decoded are kept, so the decoder's nonce never falls behind the encoder's).
     */
    @State(Scope.Thread)
    public static class Batch {
        @Param({"4096", "65535"})
        public int size;

        final Codec codec = new Codec();
        final ByteBuf[] chunks = new ByteBuf[BATCH];
        boolean consumed = true;
        /** CPU time the untimed encoding took, so {@link CpuClock} can leave it out. */
        long encodingCpu;

        @Setup(Level.Trial)
        public void setUp() {
            codec.size = size;
            codec.setUp();
        }

        @Setup(Level.Invocation)
        public void encodeNext() {
            if (!consumed) {
                return;
            }
            consumed = false;
            long before = ThreadCpu.nanos();
            for (int i = 0; i < BATCH; i++) {
                chunks[i] = codec.encodeOne();
            }
            encodingCpu += ThreadCpu.nanos() - before;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (!consumed) {
                for (ByteBuf chunk : chunks) {
                    chunk.release();
                }
            }
            codec.tearDown();
        }
    }

    @Benchmark
    public int encode(Codec codec, CpuClock cpu) {
        cpu.count(1);
        ByteBuf wire = codec.encodeOne();
        int n = wire.readableBytes();
        wire.release();
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int decode(Batch batch, CpuClock cpu) {
        cpu.count(BATCH);
        cpu.exclude(batch.encodingCpu);
        batch.encodingCpu = 0;
        batch.consumed = true;
        EmbeddedChannel server = batch.codec.server;
        int total = 0;
        for (int i = 0; i < BATCH; i++) {
            server.writeInbound(batch.chunks[i]);
            ByteBuf plain = server.readInbound();
            total += plain.readableBytes();
            plain.release();
        }
        return total;
    }
}
