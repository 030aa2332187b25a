package org.multiserver.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmark thread's own CPU time, printed by JMH beside each score: {@code :cpuNanos} and {@code :operations},
 * both summed over the measured iterations, so CPU time per operation is {@code cpuNanos / operations}. The 2-core
 * machines these run on are often busy with builds; CPU time says what an operation costs even when the wall clock
 * also counts time spent waiting for a core. Untimed per-invocation setup work is left out through
 * {@link #exclude}.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CpuClock {
    /** CPU nanoseconds the benchmark thread spent in this iteration's operations. */
    public long cpuNanos;
    /** Operations in this iteration (a batch benchmark counts each item). */
    public long operations;
    private long start;
    private long excluded;

    @Setup(Level.Iteration)
    public void begin() {
        cpuNanos = 0;
        excluded = 0;
        operations = 0;
        start = ThreadCpu.nanos();
    }

    @TearDown(Level.Iteration)
    public void end() {
        cpuNanos = ThreadCpu.nanos() - start - excluded;
    }

    public void count(int n) {
        operations += n;
    }

    public void exclude(long nanos) {
        excluded += nanos;
    }
}
