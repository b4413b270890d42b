package io.chainmux.bench.chart;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScaleTest {
    @Test
    void linearBoundsAndTicksAreRound() {
        Scale s = Scale.linear(0, 0.97, 0, 100);
        assertThat(s.lo).isZero();
        assertThat(s.hi).isEqualTo(1.0);
        assertThat(s.ticks()).extracting(Scale::compact).containsExactly("0", "0.2", "0.4", "0.6", "0.8", "1");
        assertThat(s.px(0.5)).isEqualTo(50);
        assertThat(Scale.linear(5, 5, 0, 1).ticks()).isNotEmpty(); // zero-width range is widened
    }

    @Test
    void logSpansWholeDecadesAndMapsByExponent() {
        Scale s = Scale.log(3_000, 4_500_000, 0, 300);
        assertThat(s.lo).isEqualTo(1_000);
        assertThat(s.hi).isEqualTo(10_000_000);
        assertThat(s.ticks()).extracting(Scale::compact).containsExactly("1k", "10k", "100k", "1M", "10M");
        assertThat(s.px(1e5)).isCloseTo(150, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(Scale.log(0.1, 1, 0, 1).ticks()).extracting(Scale::compact)
                .containsExactly("0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1");
        assertThatThrownBy(() -> Scale.log(0, 1, 0, 1)).hasMessage("a log scale needs values > 0, got 0.0");
    }

    @Test
    void compactNumbers() {
        assertThat(Scale.compact(0)).isEqualTo("0");
        assertThat(Scale.compact(0.30000000000000004)).isEqualTo("0.3");
        assertThat(Scale.compact(950)).isEqualTo("950");
        assertThat(Scale.compact(999.7)).isEqualTo("1k");
        assertThat(Scale.compact(12_345)).isEqualTo("12.3k");
        assertThat(Scale.compact(4_512_000)).isEqualTo("4.51M");
        assertThat(Scale.compact(2e9)).isEqualTo("2G");
    }
}
