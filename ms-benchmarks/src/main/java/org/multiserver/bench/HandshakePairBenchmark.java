package org.multiserver.bench;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.multiserver.spi.TransformProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A full handshake of one transform, both sides in one thread (so the time is the CPU cost of client plus server):
 * fresh ephemeral keys, every message, the channel codecs installed. Each subclass names its transform; JMH runs
 * {@link #handshakePair} once per subclass, under the subclass's name.
 *
 * <p>{@code clientKeys}: {@code same}, the client has the server's identity, so every handshake meets the same keys
 * and any cache of key conversions hits; {@code distinct}, {@value #DISTINCT_CLIENTS} client identities taken in
 * turn, more than shs's 1024-entry conversion cache holds, so the server meets an unknown key every time, as it does
 * with a new peer (the client always dials the same server).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public abstract class HandshakePairBenchmark {
    public static final int DISTINCT_CLIENTS = 2048;

    @Param({"same", "distinct"})
    public String clientKeys;

    private TransformPair pair;

    /** The transform under test. */
    protected abstract TransformProvider provider();

    @Setup
    public void setUp() {
        pair = new TransformPair(provider(), "distinct".equals(clientKeys) ? DISTINCT_CLIENTS : 0);
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
