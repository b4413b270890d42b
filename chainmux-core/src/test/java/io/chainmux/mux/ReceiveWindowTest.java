package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A receive window's accounts in ints (as its size), up to the largest window a config allows. */
class ReceiveWindowTest {

    @Test
    void theLargestWindowChecksItsGrowthWhenWhatCameBackExceedsAnInt() {
        int max = Integer.MAX_VALUE;
        ReceiveWindow w = new ReceiveWindow(max, 0);
        int third = max / 3;
        assertThat(w.charge(third)).isTrue();
        w.addPending(third);
        assertThat(w.takeUpdate(10, 100, 0, max, Long.MAX_VALUE)).isEqualTo(third);
        assertThat(w.growthDenied()).as("a third of the window back: no growth check yet").isFalse();
        assertThat(w.charge(max)).as("the peer spends the whole window").isTrue();
        w.addPending(max);
        assertThat(w.pending()).isEqualTo(max);
        // a third and then a whole window came back since the last check: more than an int holds
        assertThat(w.takeUpdate(20, 100, 0, max, Long.MAX_VALUE)).isEqualTo(max);
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
        assertThat(w.takeUpdate(1, 0, 0, Integer.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(1_000);
        assertThat(w.available()).isEqualTo(Integer.MAX_VALUE);
    }
}
