package io.chainmux.bench.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DistributionTest {
    @Test
    void nearestRankPercentiles() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // 1..100, unsorted
        }
        assertThat(Distribution.of(v)).isEqualTo(new Distribution(50.5, 50, 90, 100));
        assertThat(Distribution.of(new double[] {7})).isEqualTo(new Distribution(7, 7, 7, 7));
        assertThat(Distribution.of(new double[0])).isEqualTo(new Distribution(0, 0, 0, 0));
    }
}
