package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The sender's bound on bytes the peer has not read: follows the path, never starves a peer's credit policy. */
class PipeBudgetTest {
    private static final long MS = 1_000_000L;
    private static final long MIB = 1L << 20;
    private static final Object A = "stream A";
    private static final Object B = "stream B";
    /** What a light turn waited behind in the scheduler beside one bulk stream: one 16 KiB turn of it. */
    private static final long ONE_TURN = 16 * 1024;

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
        p.sent(4 * MIB, B);
        p.lightTurn(ONE_TURN); // a light stream beside a heavy one: the bound holds
        p.heavyTurn();
        p.startSample(0);
        for (int i = 1; i <= 128; i++) { // 8 MiB back in 64 KiB steps over 100 ms: 80 MiB/s
            p.returned(64 * 1024, i * 100 * MS / 128);
        }
        assertThat(p.unread()).isZero();
        // rate 8 MiB / 100 ms, round trip 100 ms: 2 x 8 MiB
        assertThat(p.budget()).isEqualTo(16 * MIB);
        assertThat(p.room()).isEqualTo(16 * MIB);
    }

    /**
     * A receiver that doubles its window returns the growth with a step of reads. Counted as reads, the
     * growth ended the sample at once, marked the bytes still on the path as read and made a 100 ms
     * path look like one of 1 ms: the bound then stayed near its floor.
     */
    @Test
    void windowGrowthInACreditUpdateIsNeitherReadNorARoundTrip() {
        PipeBudget p = new PipeBudget();
        p.sent(8 * MIB, A);
        p.startSample(0);
        for (int i = 1; i <= 64; i++) { // 4 MiB back in 64 KiB steps over 50 ms
            p.returned(64 * 1024, i * 50 * MS / 128);
        }
        assertThat(p.unread()).isEqualTo(4 * MIB);
        // 1 ms later: one more step of reads, with 16 MiB of window growth in the same update
        p.returned(64 * 1024 + 16 * MIB, 51 * MS);
        assertThat(p.unread()).as("one step counted as read, the growth not").isEqualTo(4 * MIB - 64 * 1024);
        assertThat(p.budget()).as("no sample ended: still unbounded").isGreaterThan(Long.MAX_VALUE / 2);
        // The reads that follow come back as the path returns them; the next sample measures 100 ms.
        p.sent(MIB, A);
        p.startSample(51 * MS);
        for (int i = 1; i <= 79; i++) { // the 5 MiB - 64 KiB unread, in 64 KiB steps over 100 ms
            p.returned(64 * 1024, 51 * MS + i * 100 * MS / 79);
        }
        assertThat(p.unread()).isZero();
        assertThat(p.minRttNanos()).isEqualTo(100 * MS);
    }

    @Test
    void aSlowShortPathGetsTheFloor() {
        PipeBudget p = new PipeBudget();
        startContendedSample(p, 8 * 1024);
        p.returned(16 * 1024, 500_000); // 500 us: 2 x rate x round trip is 32 KiB, 100 us of the rate 3.2 KiB
        assertThat(p.budget()).isEqualTo(PipeBudget.MIN_BUDGET);
        p.sent(PipeBudget.MIN_BUDGET, A);
        assertThat(p.room()).as("full").isZero();
    }

    @Test
    void aFastShortPathKeepsATenthOfAMillisecondOfItsRateWhileContended() {
        PipeBudget p = new PipeBudget();
        startContendedSample(p, 8 * 1024);
        p.returned(16 * 1024, 20_000); // 20 us: 2 x rate x round trip is 32 KiB, below the floor
        assertThat(p.contended()).isTrue();
        // 16 KiB per 20 us is 819.2 bytes per microsecond: 100 us of it
        assertThat(p.budget()).isEqualTo(81_920);
        assertThat(p.room()).isEqualTo(81_920);
    }

    @Test
    void aLoneStreamMayKeepTwoMillisecondsOfItsRateUnreadAndAtLeastTheFloor() {
        PipeBudget p = new PipeBudget();
        p.sent(16 * 1024, A);
        p.lightTurn(ONE_TURN); // light and heavy turns, but nobody else sends: nobody waits behind its bytes
        p.heavyTurn();
        p.startSample(0);
        p.returned(16 * 1024, 20_000);
        assertThat(p.budget()).as("the bound if it were contended: 100 us of 0.8 GB/s").isEqualTo(81_920);
        p.sent(PipeBudget.MIN_BUDGET, A);
        assertThat(p.contended()).isFalse();
        // 16 KiB per 20 us is 0.8 GB/s: 2 ms of that is ~1.6 MB, below the floor
        assertThat(p.room()).isEqualTo(PipeBudget.UNCONTENDED_FLOOR - PipeBudget.MIN_BUDGET);
        p.returned(PipeBudget.MIN_BUDGET, 30_000);
        p.sent(16 * 1024, A);
        p.startSample(40_000);
        p.returned(16 * 1024, 42_000); // 16 KiB in 2 us: 8 GB/s, 2 ms of it ~16 MB
        assertThat(p.room()).isEqualTo(16 * 1024 * PipeBudget.UNCONTENDED_QUEUE_NANOS / 2_000);
    }

    @Test
    void streamsThatTakeTurnsWithNoLightTurnAmongThemKeepTheUncontendedPipe() {
        PipeBudget p = new PipeBudget();
        long t = 0;
        for (int round = 0; round < 10; round++) { // a thousand equal streams, all backlogged
            for (int i = 0; i < 1000; i++) {
                if (p.sent(1024, i)) {
                    p.startSample(t);
                }
            }
            for (int step = 1; step <= 1000 / 16; step++) { // read back at 1000 KiB per ms, in 16 KiB steps
                p.returned(16 * 1024, t + step * 16 * MS / 1000);
            }
            t += MS;
            p.returned(p.unread(), t);
        }
        assertThat(p.contended()).as("nobody light waits behind the others").isFalse();
        // 1000 KiB per ms: the uncontended pipe is 2 ms of it, well above the tight budget (100 us of it)
        assertThat(p.budget()).isBetween(PipeBudget.MIN_BUDGET, 300_000L);
        assertThat(p.room()).isGreaterThan(1_000_000);
    }

    @Test
    void aLightTurnBesideAnotherStreamsSendsTightensThePipeUntilTheHoldHasPassed() {
        PipeBudget p = new PipeBudget();
        p.sent(16 * 1024, A);
        p.startSample(0);
        p.returned(16 * 1024, 20_000);
        p.sent(4 * MIB, A);
        p.startSample(MS);
        p.sent(1024, B);                  // a second stream takes a turn
        p.lightTurn(ONE_TURN);                    // and sent all it had in it: light
        p.heavyTurn();                    // while A used its whole turn and stays backlogged
        returnInSteps(p, 4 * MIB + 1024, 2 * MS); // the sample ends: the bound holds from here
        assertThat(p.contended()).isTrue();
        p.sent(p.budget(), A);
        assertThat(p.room()).isLessThanOrEqualTo(0);
        // Only A sends for longer than the hold: the bound lifts again.
        returnInSteps(p, p.unread(), 3 * MS);
        long t = 3 * MS;
        for (int i = 0; i < 3; i++) {
            p.sent(1024, A);
            p.startSample(t);
            t += PipeBudget.CONTENDED_HOLD_NANOS;
            p.returned(1024, t);
        }
        assertThat(p.contended()).isFalse();
        assertThat(p.room()).isGreaterThan(p.budget() - p.unread());
    }

    @Test
    void aLightTurnThatWaitedBehindMoreThanHalfTheUncontendedPipeIsNoContention() {
        PipeBudget p = new PipeBudget();
        p.sent(16 * 1024, A);
        p.startSample(0);
        p.returned(16 * 1024, 20_000); // 0.8 GB/s: the uncontended pipe is its floor, 4 MiB
        long t = MS;
        for (int i = 0; i < 10; i++, t += 10 * MS) { // 4 MiB read in 5 ms each: still below 1 GB/s
            p.sent(4 * MIB, A);
            p.startSample(t);
            p.sent(1024, B);
            p.heavyTurn();
            // B waited behind 2 MiB of the others' turns in the scheduler: the pipe is not most of its wait
            p.lightTurn(PipeBudget.UNCONTENDED_FLOOR / 2);
            returnInSteps(p, 4 * MIB + 1024, t + 5 * MS);
        }
        assertThat(p.contended()).isFalse();
        // the same turns, B having waited behind a little less
        p.sent(4 * MIB, A);
        p.startSample(t);
        p.sent(1024, B);
        p.heavyTurn();
        p.lightTurn(PipeBudget.UNCONTENDED_FLOOR / 2 - 1);
        returnInSteps(p, 4 * MIB + 1024, t + 5 * MS);
        assertThat(p.contended()).isTrue();
    }

    @Test
    void aLightTurnWithoutAnotherStreamInTheSameSampleIsNoContention() {
        PipeBudget p = new PipeBudget();
        p.sent(1024, A);
        p.sent(1024, B);
        p.startSample(0);
        p.returned(2048, 20_000);          // two streams, nobody light
        p.sent(1024, B);
        p.lightTurn(ONE_TURN);
        p.heavyTurn();
        p.startSample(MS);
        p.returned(1024, MS + 20_000);     // light and heavy, but alone in its sample
        assertThat(p.contended()).isFalse();
    }

    @Test
    void streamsThatAreAllLightOrAllHeavyAreNoContention() {
        PipeBudget p = new PipeBudget();
        long t = 0;
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 1000; i++) { // a thousand streams, one small message each per round
                if (p.sent(65, i)) {
                    p.startSample(t);
                }
            }
            if (round % 2 == 0) {
                p.lightTurn(ONE_TURN);             // each drained in its turn
            } else {
                p.heavyTurn();             // each stayed backlogged
            }
            t += MS;
            p.returned(p.unread(), t);
        }
        assertThat(p.contended()).isFalse();
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

    /** Streams A and B each send {@code each} bytes, a light turn beside a heavy one: the bound holds. */
    private static void startContendedSample(PipeBudget p, long each) {
        p.sent(each, A);
        p.sent(each, B);
        p.lightTurn(ONE_TURN);
        p.heavyTurn();
        p.startSample(0);
    }

    /** The peer returns {@code bytes} in 16 KiB steps (the reference receiver's), all at {@code at}. */
    private static void returnInSteps(PipeBudget p, long bytes, long at) {
        for (long left = bytes; left > 0; left -= 16 * 1024) {
            p.returned(Math.min(left, 16 * 1024), at);
        }
    }
}
