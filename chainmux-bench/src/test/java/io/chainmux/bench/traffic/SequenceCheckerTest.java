package io.chainmux.bench.traffic;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SequenceCheckerTest {
    @Test
    void acceptsEachStreamInOrder() {
        SequenceChecker c = new SequenceChecker(3);
        c.check(0, 0);
        c.check(2, 0);
        c.check(0, 1);
        c.check(2, 1);
        c.check(1, 0);
        assertThat(c.received(0)).isEqualTo(2);
        assertThat(c.received(1)).isEqualTo(1);
        assertThat(c.received(2)).isEqualTo(2);
    }

    @Test
    void failsOnAGap() {
        SequenceChecker c = new SequenceChecker(2);
        c.check(1, 0);
        assertThatThrownBy(() -> c.check(1, 2))
                .isInstanceOf(SequenceException.class)
                .hasMessage("stream 1: expected message #1, got #2 (gap: messages lost)");
    }

    @Test
    void failsOnAReorderOrDuplicate() {
        SequenceChecker c = new SequenceChecker(1);
        c.check(0, 0);
        c.check(0, 1);
        assertThatThrownBy(() -> c.check(0, 1))
                .isInstanceOf(SequenceException.class)
                .hasMessageContaining("reordered or duplicated");
    }

    @Test
    void failsOnAnUnknownStream() {
        SequenceChecker c = new SequenceChecker(2);
        assertThatThrownBy(() -> c.check(2, 0)).isInstanceOf(SequenceException.class)
                .hasMessageContaining("unknown stream 2");
        assertThatThrownBy(() -> c.check(-1, 0)).isInstanceOf(SequenceException.class);
    }
}
