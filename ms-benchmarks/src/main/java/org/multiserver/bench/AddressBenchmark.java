package org.multiserver.bench;

import java.util.concurrent.TimeUnit;
import org.multiserver.address.MultiAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Parsing and formatting of addresses as a server prints them and a client reads them. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AddressBenchmark {
    static final String KEY = "DTNmX+4SjsgZ7xyDh5xxmNtFqa6pWi5Qtw7cE8aR9TQ=";

    // Fields, not constants, so the JIT cannot fold the inputs.
    String oneSection = "net:wx.larpa.net:8008";
    String netShs = "net:wx.larpa.net:8008~shs:" + KEY;
    String twoAlternatives = "net:wx.larpa.net:8008~shs:" + KEY + ";wss://wx.larpa.net~shs:" + KEY;
    /** Near the worst a stranger can send within the length cap: 4095 characters, 2046 one-letter items. */
    String longestDense = "shs" + ":a".repeat((MultiAddress.MAX_LENGTH - 3) / 2);
    MultiAddress parsedTwoAlternatives;

    @Setup
    public void setUp() {
        parsedTwoAlternatives = MultiAddress.parse(twoAlternatives);
    }

    @Benchmark
    public MultiAddress parseOneSection() {
        return MultiAddress.parse(oneSection);
    }

    @Benchmark
    public MultiAddress parseNetShs() {
        return MultiAddress.parse(netShs);
    }

    @Benchmark
    public MultiAddress parseTwoAlternatives() {
        return MultiAddress.parse(twoAlternatives);
    }

    @Benchmark
    public MultiAddress parseLongestDense() {
        return MultiAddress.parse(longestDense);
    }

    @Benchmark
    public String formatTwoAlternatives() {
        return parsedTwoAlternatives.format();
    }
}
