package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The sender's bound on bytes the peer has not read: follows the path, never starves a peer's credit policy. */
class PipeBudgetTest {
    private static final long MS = 1_000_000L;
    private static final long MIB = 1L << 20;

    @Test
    void unboundedUntilTheFirstRoundTripIsMeasured() {
        PipeBudget p = new PipeBudget();
        assertThat(p.sent(64 * MIB)).as("a sample starts").isTrue();
        p.startSample(0);
        assertThat(p.room()).isGreaterThan(Long.MAX_VALUE / 2);
        assertThat(p.unread()).isEqualTo(64 * MIB);
    }

    @Test
    void theBudgetIsTwiceRateTimesMinimumRoundTripOnALongPath() {
        PipeBudget p = new PipeBudget();
        p.sent(8 * MIB);
        p.startSample(0);
        for (int i = 1; i <= 128; i++) { // 8 MiB back in 64 KiB steps over 100 ms: 80 MiB/s
            p.returned(64 * 1024, i * 100 * MS / 128);
        }
        assertThat(p.unread()).isZero();
        // rate 8 MiB / 100 ms, round trip 100 ms: 2 x 8 MiB
        assertThat(p.budget()).isEqualTo(16 * MIB);
        assertThat(p.room()).isEqualTo(16 * MIB);
    }

    @Test
    void onAShortPathTheFloorHolds() {
        PipeBudget p = new PipeBudget();
        p.sent(16 * 1024);
        p.startSample(0);
        p.returned(16 * 1024, 20_000); // 20 us: 2 x rate x round trip is 32 KiB
        assertThat(p.budget()).isEqualTo(PipeBudget.MIN_BUDGET);
        p.sent(PipeBudget.MIN_BUDGET);
        assertThat(p.room()).as("full").isZero();
    }

    @Test
    void aPeerThatReturnsCreditInLargeStepsIsNeverHeldBelowItsStep() {
        PipeBudget p = new PipeBudget();
        p.sent(8 * MIB);
        p.startSample(0);
        p.returned(4 * MIB, 10 * MS); // a quarter of a 16 MiB window at a time
        p.returned(4 * MIB, 11 * MS);
        assertThat(p.budget()).isGreaterThanOrEqualTo(PipeBudget.STEP_FACTOR * 4 * MIB);
    }

    @Test
    void windowGrowthIsNotCountedAsBytesReadNorAsAStep() {
        PipeBudget p = new PipeBudget();
        p.sent(MIB);
        p.startSample(0);
        p.returned(17 * MIB, MS); // 1 MiB read plus 16 MiB of growth
        assertThat(p.unread()).isZero();
        assertThat(p.budget()).as("no step seen: the growth is not one").isEqualTo(2 * MIB);
    }
}
