package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Window autotuning on its own, with a clock the test moves: a doubling is kept only when credit
 * comes back faster after it (the window limited the sender), and given back when it does not (the
 * reader, or the cores, are the limit: loopback).
 */
class ReceiveWindowTest {
    private static final int FLOOR = 32 * 1024;
    private static final long CAP = 16L * 1024 * 1024;
    private static final long MS = 1_000_000L;
    /**
     * The RTT the connection measured: every check below finds the window used up within two round
     * trips, except the first after a pause (the test moving its clock past a rest).
     */
    private static final long RTT = 20 * MS;

    private long now = 1_000 * MS;
    private long grantedTotal;
    private long consumedTotal;

    /**
     * The peer sends the whole window and the reader consumes at once: credit goes back in quarter
     * windows, each check (half a window) spread over {@code nanosPerHalfWindow} or, when null, at
     * {@code nanosPerByte}.
     */
    private void run(ReceiveWindow w, int halfWindows, Long nanosPerHalfWindow, double nanosPerByte, boolean probe) {
        for (int h = 0; h < halfWindows; h++) {
            int size = w.size();
            long half = size / 2;
            long step = Math.max(1, size / ReceiveWindow.UPDATE_DIVISOR);
            long duration = nanosPerHalfWindow != null ? nanosPerHalfWindow : (long) (half * nanosPerByte);
            for (long done = 0; done < half; done += step) {
                long bytes = Math.min(step, half - done);
                assertThat(w.charge((int) Math.min(bytes, w.available()))).isTrue();
                now += duration * bytes / half;
                consumedTotal += bytes;
                if (w.addPending(bytes)) {
                    int inc = w.takeUpdate(now, RTT, CAP - w.size(), w.size(), Long.MAX_VALUE, probe);
                    grantedTotal += inc;
                    assertThat(w.available()).as("the peer keeps credit to reach the next update")
                            .isGreaterThanOrEqualTo(Math.max(1, w.size() / ReceiveWindow.UPDATE_DIVISOR) - w.pending());
                }
            }
        }
    }

    /** Window-bound: a half window takes the same time whatever the size (a long path), so each doubling pays. */
    @Test
    void aWindowThatLimitsTheSenderGrowsToTheCap() {
        ReceiveWindow w = new ReceiveWindow(FLOOR, now);
        run(w, 60, 10 * MS, 0, true);
        assertThat(w.size()).isEqualTo((int) CAP);
    }

    /**
     * Reader-bound: credit comes back at the same rate whatever the window (loopback), so the
     * doubling is given back and growth rests; it probes again after the rest, and rests longer
     * after each doubling that did not pay. Before, the window doubled at every check up to 16 MiB.
     */
    @Test
    void aWindowThatDoesNotLimitTheSenderGivesItsDoublingBackAndRests() {
        ReceiveWindow w = new ReceiveWindow(FLOOR, now);
        double nanosPerByte = 1.0 / 3; // 3 GB/s
        run(w, 2, null, nanosPerByte, true); // the first check measures, the second doubles
        assertThat(w.size()).isEqualTo(2 * FLOOR);
        run(w, 2, null, nanosPerByte, true);
        assertThat(w.size()).as("no verdict before the third check").isEqualTo(2 * FLOOR);
        run(w, 4, null, nanosPerByte, true); // no faster: back to the floor
        assertThat(w.size()).isEqualTo(FLOOR);

        long restStart = now;
        run(w, 2_000, null, nanosPerByte, true); // 2,000 checks in ~11 ms: resting, no growth
        assertThat(now - restStart).isLessThan(GrowthProbe.REST_NANOS);
        assertThat(w.size()).isEqualTo(FLOOR);

        now = restStart + GrowthProbe.REST_NANOS + MS; // rested: one more probe, given back
        run(w, 3, null, nanosPerByte, true); // the check spanning the pause is slow; the next ones double
        assertThat(w.size()).isEqualTo(2 * FLOOR);
        run(w, 6, null, nanosPerByte, true);
        assertThat(w.size()).isEqualTo(FLOOR);
        now += GrowthProbe.REST_NANOS + MS; // the second unpaid probe rests twice as long
        run(w, 8, null, nanosPerByte, true);
        assertThat(w.size()).isEqualTo(FLOOR);
        now += GrowthProbe.REST_NANOS;
        run(w, 3, null, nanosPerByte, true);
        assertThat(w.size()).isEqualTo(2 * FLOOR);
    }

    /**
     * Beside other grown windows growth need not pay (the sender's scheduler, not the windows, must
     * divide the connection by weight): a doubling awaiting its verdict is kept, and growth goes on.
     */
    @Test
    void besideOtherGrownWindowsGrowthNeedNotPay() {
        ReceiveWindow w = new ReceiveWindow(FLOOR, now);
        double nanosPerByte = 1.0 / 3;
        run(w, 2, null, nanosPerByte, true);
        assertThat(w.size()).isEqualTo(2 * FLOOR);
        run(w, 6, null, nanosPerByte, false);
        assertThat(w.size()).as("kept, and grown on").isGreaterThanOrEqualTo(8 * FLOOR);
    }

    /** Growth that pays once and then stops paying settles where it still paid: at the knee, not at the cap. */
    @Test
    void growthStopsAtTheSizeBeyondWhichItNoLongerPays() {
        ReceiveWindow w = new ReceiveWindow(FLOOR, now);
        int knee = 1024 * 1024;
        for (int i = 0; i < 400; i++) {
            // below the knee the window limits (10 ms per half window); above it 1 MiB per 10 ms
            if (w.size() <= knee) {
                run(w, 1, 10 * MS, 0, true);
            } else {
                run(w, 1, null, 10.0 * MS / (knee / 2), true);
            }
        }
        assertThat(w.size()).isBetween(knee, 2 * knee);
    }

    /** The connection's window does not probe: its credit is never withheld (the sender's pipe budget counts on it). */
    @Test
    void aWindowThatMustNotWithholdCreditGrowsWithoutGivingBack() {
        ReceiveWindow w = new ReceiveWindow(FLOOR, now);
        run(w, 40, null, 1.0 / 3, false);
        assertThat(w.size()).as("grows at each check, as before").isEqualTo((int) CAP);
        assertThat(grantedTotal).as("every byte consumed went back, and the growth on top")
                .isEqualTo(consumedTotal - w.pending() + (w.size() - FLOOR));
    }

    // The accounts are ints (as the size), up to the largest window a config allows.
    @Test
    void theLargestWindowChecksItsGrowthWhenWhatCameBackExceedsAnInt() {
        int max = Integer.MAX_VALUE;
        ReceiveWindow w = new ReceiveWindow(max, 0);
        int third = max / 3;
        assertThat(w.charge(third)).isTrue();
        w.addPending(third);
        assertThat(w.takeUpdate(10, 100, 0, max, Long.MAX_VALUE, false)).isEqualTo(third);
        assertThat(w.growthDenied()).as("a third of the window back: no growth check yet").isFalse();
        assertThat(w.charge(max)).as("the peer spends the whole window").isTrue();
        w.addPending(max);
        assertThat(w.pending()).isEqualTo(max);
        // a third and then a whole window came back since the last check: more than an int holds
        assertThat(w.takeUpdate(20, 100, 0, max, Long.MAX_VALUE, false)).isEqualTo(max);
        assertThat(w.growthDenied()).as("checked: used up within two round trips, and no room to grow").isTrue();
        assertThat(w.available()).isEqualTo(max);
        assertThat(w.pending()).isZero();
    }

    @Test
    void pendingCreditNeverExceedsWhatWasCharged() {
        ReceiveWindow w = new ReceiveWindow(Integer.MAX_VALUE, 0);
        assertThat(w.charge(1_000)).isTrue();
        w.addPending(Long.MAX_VALUE / 2); // an application reporting far more than arrived
        assertThat(w.pending()).isEqualTo(1_000);
        assertThat(w.takeUpdate(1, 0, 0, Integer.MAX_VALUE, Long.MAX_VALUE, false)).isEqualTo(1_000);
        assertThat(w.available()).isEqualTo(Integer.MAX_VALUE);
    }
}
