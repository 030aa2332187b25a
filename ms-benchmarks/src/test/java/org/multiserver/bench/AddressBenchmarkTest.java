package org.multiserver.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Calls each benchmark once, so a benchmark that measures the wrong thing fails the build, not a long run. */
class AddressBenchmarkTest {

    @Test
    void benchmarksWorkOnWhatTheySayTheyDo() {
        AddressBenchmark bench = new AddressBenchmark();
        bench.setUp();

        assertThat(bench.parseOneSection().alternatives().get(0).names()).containsExactly("net");
        assertThat(bench.parseNetShs().alternatives().get(0).names()).containsExactly("net", "shs");
        assertThat(bench.parseTwoAlternatives().alternatives()).hasSize(2);
        assertThat(bench.longestDense).hasSizeBetween(4090, 4096);
        assertThat(bench.parseLongestDense().alternatives().get(0).transport().data()).hasSize(2046);
        assertThat(bench.formatTwoAlternatives()).isEqualTo(bench.twoAlternatives);
    }
}
