package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection's send budget: full at the limit, clear again at half of it, as seen from any thread. */
class SendBudgetTest {
    private static final long LIMIT = 1000;

    @Test
    void fullAtTheLimitUntilDrainedToHalf() {
        SendBudget b = new SendBudget(LIMIT);
        b.add(LIMIT - 1);
        assertFull(b, false);
        b.add(1);
        assertFull(b, true);
        b.add(100);
        assertFull(b, true);
        b.add(-(LIMIT + 100 - LIMIT / 2 - 1)); // one byte above half
        assertThat(b.queued()).isEqualTo(LIMIT / 2 + 1);
        assertFull(b, true);
        b.add(-1);
        assertFull(b, false);
        b.add(LIMIT / 2 - 1); // refilling below the limit does not turn it full
        assertFull(b, false);
        b.add(1);
        assertFull(b, true);
    }

    @Test
    void oneStepAcrossBothThresholdsFlipsOnce() {
        SendBudget b = new SendBudget(LIMIT);
        b.add(3 * LIMIT);
        assertFull(b, true);
        b.add(-3 * LIMIT);
        assertFull(b, false);
        assertThat(b.queued()).isZero();
    }

    @Test
    void heldByBlockedFromHalfTheLimit() {
        SendBudget b = new SendBudget(LIMIT);
        b.add(LIMIT);
        b.addBlocked(LIMIT / 2 - 1);
        assertThat(b.heldByBlocked()).isFalse();
        b.addBlocked(1);
        assertThat(b.heldByBlocked()).isTrue();
        assertThat(b.blocked()).isEqualTo(LIMIT / 2);
        b.addBlocked(-LIMIT / 2); // the blocked streams wrote or flow again
        assertThat(b.heldByBlocked()).isFalse();
        assertFull(b, true); // the blocked count does not move the hysteresis
    }

    @Test
    void anotherThreadSeesTheLoopsAnswer() throws Exception {
        SendBudget b = new SendBudget(LIMIT);
        b.add(LIMIT);
        assertThat(CompletableFuture.supplyAsync(b::isFull).get(10, TimeUnit.SECONDS)).isTrue();
        b.add(-LIMIT);
        assertThat(CompletableFuture.supplyAsync(b::isFull).get(10, TimeUnit.SECONDS)).isFalse();
    }

    private static void assertFull(SendBudget b, boolean full) {
        assertThat(b.isFull()).as("full at %d queued", b.queued()).isEqualTo(full);
    }
}
