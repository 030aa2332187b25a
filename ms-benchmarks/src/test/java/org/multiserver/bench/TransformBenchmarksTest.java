package org.multiserver.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.multiserver.bench.shs.BoxStreamBenchmark;
import org.multiserver.bench.shs.HandshakeBenchmark;
import org.multiserver.bench.shs2.Shs2ChannelBenchmark;
import org.multiserver.bench.shs2.Shs2HandshakeBenchmark;
import org.multiserver.bench.sodium.PrimitivesBenchmark;

/** Calls the shs and shs2 benchmarks once each, so one that measures the wrong thing fails the build. */
class TransformBenchmarksTest {

    @Test
    void handshakePairsComplete() {
        for (HandshakePairBenchmark bench : new HandshakePairBenchmark[] {new HandshakeBenchmark(),
                new Shs2HandshakeBenchmark()}) {
            for (String clientKeys : new String[] {"same", "distinct"}) {
                bench.clientKeys = clientKeys;
                bench.setUp();
                try {
                    CpuClock cpu = new CpuClock();
                    assertThat(bench.handshakePair(cpu)).isTrue();
                    assertThat(bench.handshakePair(cpu)).isTrue();
                    assertThat(cpu.operations).isEqualTo(2);
                } finally {
                    bench.tearDown();
                }
            }
        }
    }

    @Test
    void secretChannelEncodesAndDecodesOneChunkPairPerWrite() {
        Shs2ChannelBenchmark bench = new Shs2ChannelBenchmark();
        for (int size : new int[] {4096, 65535}) {
            Shs2ChannelBenchmark.Codec codec = new Shs2ChannelBenchmark.Codec();
            codec.size = size;
            codec.setUp(); // round trips one write and compares the bytes
            try {
                assertThat(bench.encode(codec, new CpuClock())).isEqualTo(size + 18 + 16);
            } finally {
                codec.tearDown();
            }
            Shs2ChannelBenchmark.Batch batch = new Shs2ChannelBenchmark.Batch();
            batch.size = size;
            batch.setUp();
            try {
                batch.encodeNext();
                CpuClock cpu = new CpuClock();
                assertThat(bench.decode(batch, cpu)).isEqualTo(128 * size);
                assertThat(cpu.operations).isEqualTo(128);
                batch.encodeNext();
                assertThat(bench.decode(batch, cpu)).isEqualTo(128 * size);
            } finally {
                batch.tearDown();
            }
        }
    }

    @Test
    void boxStreamStillRuns() {
        BoxStreamBenchmark bench = new BoxStreamBenchmark();
        BoxStreamBenchmark.Codec codec = new BoxStreamBenchmark.Codec();
        codec.setUp();
        try {
            assertThat(bench.encode4096(codec, new CpuClock())).isEqualTo(4096 + 34);
        } finally {
            codec.tearDown();
        }
    }

    @Test
    void primitivesSucceed() {
        PrimitivesBenchmark bench = new PrimitivesBenchmark();
        bench.setUp(); // every decryption benchmark is checked to verify here
        try {
            CpuClock cpu = new CpuClock();
            assertThat(bench.chachaEncrypt65535(cpu)).isZero();
            assertThat(bench.chachaEncrypt65535ByteArrays(cpu)).isZero();
            assertThat(bench.chachaDecrypt65535(cpu)).isZero();
            assertThat(bench.secretboxEasy4096(cpu)).isZero();
            assertThat(bench.secretboxDetached4096(cpu)).isZero();
            assertThat(bench.scalarmult(cpu)).isZero();
            assertThat(bench.sign(cpu)).isZero();
            assertThat(bench.verify(cpu)).isZero();
            assertThat(bench.pkToCurve25519(cpu)).isZero();
        } finally {
            bench.tearDown();
        }
    }
}
