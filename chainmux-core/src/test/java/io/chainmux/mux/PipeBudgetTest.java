package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The sender's bound on bytes the peer has not read: follows the path, never starves a peer's credit policy. */
class PipeBudgetTest {
    private static final long MS = 1_000_000L;
    private static final long MIB = 1L << 20;
    private static final Object A = "stream A";
    private static final Object B = "stream B";

    @Test
    void unboundedUntilTheFirstRoundTripIsMeasured() {
        PipeBudget p = new PipeBudget();
        assertThat(p.sent(64 * MIB, this)).as("a sample starts").isTrue();
        p.startSample(0);
        assertThat(p.room()).isGreaterThan(Long.MAX_VALUE / 2);
        assertThat(p.unread()).isEqualTo(64 * MIB);
    }

    @Test
    void theBudgetIsTwiceRateTimesMinimumRoundTripOnALongPath() {
        PipeBudget p = new PipeBudget();
        p.sent(4 * MIB, A);
        p.sent(4 * MIB, B); // two streams: the bound holds
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
        p.sent(8 * 1024, A);
        p.sent(8 * 1024, B);
        p.startSample(0);
        p.returned(16 * 1024, 20_000); // 20 us: 2 x rate x round trip is 32 KiB
        assertThat(p.budget()).isEqualTo(PipeBudget.MIN_BUDGET);
        p.sent(PipeBudget.MIN_BUDGET, A);
        assertThat(p.room()).as("full").isZero();
    }

    @Test
    void aLoneStreamIsHeldByItsWindowsAloneAndTheBoundReturnsWithASecondStream() {
        PipeBudget p = new PipeBudget();
        p.sent(16 * 1024, A);
        p.startSample(0);
        p.returned(16 * 1024, 20_000);
        assertThat(p.budget()).isEqualTo(PipeBudget.MIN_BUDGET);
        p.sent(PipeBudget.MIN_BUDGET, A);
        assertThat(p.shared()).isFalse();
        // 16 KiB per 20 us is 0.8 GB/s: a lone stream may keep 2 ms of that unread, ~1.6 MB
        assertThat(p.room()).as("nobody waits behind a lone stream's bytes")
                .isEqualTo(16 * 1024 * PipeBudget.LONE_QUEUE_NANOS / 20_000 - PipeBudget.MIN_BUDGET);
        p.sent(4 * MIB - PipeBudget.MIN_BUDGET, A);
        p.startSample(MS);
        p.sent(1024, B);                  // a second stream takes a turn
        p.returned(4 * MIB, 2 * MS);      // the sample ends: the bound holds from here
        assertThat(p.shared()).isTrue();
        p.sent(p.budget(), A);
        assertThat(p.room()).isLessThanOrEqualTo(0);
        // Only A sends for longer than the hold: the bound lifts again.
        p.returned(p.unread(), 3 * MS);
        long t = 3 * MS;
        for (int i = 0; i < 3; i++) {
            p.sent(1024, A);
            p.startSample(t);
            t += PipeBudget.SHARED_HOLD_NANOS;
            p.returned(1024, t);
        }
        assertThat(p.shared()).isFalse();
        assertThat(p.room()).isGreaterThanOrEqualTo(p.budget() - p.unread());
    }

    @Test
    void aPeerThatReturnsCreditInLargeStepsIsNeverHeldBelowItsStep() {
        PipeBudget p = new PipeBudget();
        p.sent(8 * MIB, this);
        p.startSample(0);
        p.returned(4 * MIB, 10 * MS); // a quarter of a 16 MiB window at a time
        p.returned(4 * MIB, 11 * MS);
        assertThat(p.budget()).isGreaterThanOrEqualTo(PipeBudget.STEP_FACTOR * 4 * MIB);
    }

    @Test
    void windowGrowthIsNotCountedAsBytesReadNorAsAStep() {
        PipeBudget p = new PipeBudget();
        p.sent(MIB, this);
        p.startSample(0);
        p.returned(17 * MIB, MS); // 1 MiB read plus 16 MiB of growth
        assertThat(p.unread()).isZero();
        assertThat(p.budget()).as("no step seen: the growth is not one").isEqualTo(2 * MIB);
    }
}
