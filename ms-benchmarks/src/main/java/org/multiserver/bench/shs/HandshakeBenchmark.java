package org.multiserver.bench.shs;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A full secret handshake, both sides in one thread (so the time is the CPU cost of client plus server): fresh
 * ephemeral keys, the four messages, the box-stream codecs installed. Target on the 2-core reference machine:
 * at most 1.5 ms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HandshakeBenchmark {
    private ShsPair pair;

    @Setup
    public void setUp() {
        pair = new ShsPair();
    }

    @TearDown
    public void tearDown() {
        pair.close();
    }

    @Benchmark
    public boolean handshakePair(CpuClock cpu) {
        cpu.count(1);
        EmbeddedChannel[] channels = pair.connect();
        boolean open = channels[0].isOpen() & channels[1].isOpen();
        channels[0].finishAndReleaseAll();
        channels[1].finishAndReleaseAll();
        return open;
    }
}
