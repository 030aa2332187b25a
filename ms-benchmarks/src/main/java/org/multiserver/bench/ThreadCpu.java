package org.multiserver.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The current thread's CPU time. Apart from {@link CpuClock} because JMH would print any public method of an
 * {@code @AuxCounters} state that returns a number as one more counter.
 */
public final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {
    }

    /** CPU nanoseconds the calling thread has used. */
    public static long nanos() {
        return THREADS.getCurrentThreadCpuTime();
    }
}
