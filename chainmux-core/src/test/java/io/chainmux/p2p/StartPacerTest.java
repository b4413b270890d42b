package io.chainmux.p2p;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pacer alone: permits up to the limit, a first-in first-out queue, hand-over on release. */
class StartPacerTest {
    private final List<String> granted = new ArrayList<>();

    private StartPacer.Waiter waiter(String name) {
        return () -> granted.add(name);
    }

    @Test
    void grantsUpToTheLimitThenQueuesAndCountsTheSessionsWaiting() {
        StartPacer pacer = new StartPacer(3);
        assertThat(pacer.acquireOrWait(2, waiter("a"))).isEqualTo(2);
        assertThat(pacer.acquireOrWait(5, waiter("b"))).isEqualTo(1); // one left; b waits for 4 more
        assertThat(pacer.inFlight()).isEqualTo(3);
        assertThat(pacer.waitingSessions()).isEqualTo(4);
        assertThat(pacer.waits()).isEqualTo(1);
        assertThat(granted).isEmpty();
    }

    @Test
    void aReleasedPermitGoesToTheFirstWaiterNotToANewcomer() {
        StartPacer pacer = new StartPacer(1);
        assertThat(pacer.acquireOrWait(1, waiter("a"))).isEqualTo(1);
        assertThat(pacer.acquireOrWait(2, waiter("b"))).isZero();
        assertThat(pacer.acquireOrWait(1, waiter("c"))).isZero();
        pacer.release();
        assertThat(granted).containsExactly("b");
        assertThat(pacer.inFlight()).isEqualTo(1); // handed over, still held
        assertThat(pacer.waitingSessions()).isEqualTo(1); // c's
        // b got one of its two and asks again: c is ahead of it now
        assertThat(pacer.acquireOrWait(1, waiter("b"))).isZero();
        pacer.release();
        pacer.release();
        assertThat(granted).containsExactly("b", "c", "b");
        pacer.release();
        assertThat(pacer.inFlight()).isZero();
        assertThat(pacer.waitingSessions()).isZero();
        assertThat(pacer.highWater()).isEqualTo(1);
    }

    @Test
    void aNewcomerGetsFreePermitsWhenNobodyWaits() {
        StartPacer pacer = new StartPacer(4);
        assertThat(pacer.acquireOrWait(4, waiter("a"))).isEqualTo(4);
        pacer.release();
        pacer.release();
        assertThat(pacer.acquireOrWait(1, waiter("b"))).isEqualTo(1);
        assertThat(pacer.inFlight()).isEqualTo(3);
        assertThat(granted).isEmpty();
    }

    @Test
    void releasingMoreThanWasTakenFails() {
        StartPacer pacer = new StartPacer(2);
        assertThat(pacer.acquireOrWait(1, waiter("a"))).isEqualTo(1);
        pacer.release();
        assertThatThrownBy(pacer::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theLimitMustBePositive() {
        assertThatThrownBy(() -> new StartPacer(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max");
        assertThatThrownBy(() -> NodeConfig.builder(Cluster.config(
                io.chainmux.endpoint.identity.NodeIdentity.generate(), 1).build().endpoint())
                .maxStartsInFlight(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NodeConfig.maxStartsInFlight");
    }

    @Test
    void anOpenWaitingForADialGivesItsPermitBackAfterTheHoldOnceOnly() {
        StartPacer pacer = new StartPacer(1);
        List<Runnable> timers = new ArrayList<>();
        List<java.time.Duration> delays = new ArrayList<>();
        assertThat(pacer.acquireOrWait(1, waiter("a"))).isEqualTo(1);
        StartPacer.DialHold hold = pacer.dialHold((delay, task) -> {
            delays.add(delay);
            timers.add(task);
            return null; // no real timer: the test fires it
        });
        assertThat(delays).containsExactly(StartPacer.DIAL_HOLD);
        assertThat(pacer.acquireOrWait(1, waiter("b"))).isZero();
        timers.get(0).run(); // the dial outlasted the hold: the permit goes to the waiter
        assertThat(granted).containsExactly("b");
        assertThat(pacer.dialHoldsCut()).isEqualTo(1);
        hold.openDecided(); // the dial ends later: nothing more to give back
        timers.get(0).run();
        assertThat(pacer.inFlight()).isEqualTo(1); // b's, handed over
        pacer.release();
        assertThat(pacer.inFlight()).isZero();

        // decided within the hold: returned once, not counted as cut, a late timer does nothing
        assertThat(pacer.acquireOrWait(1, waiter("c"))).isEqualTo(1);
        StartPacer.DialHold quick = pacer.dialHold((delay, task) -> {
            timers.add(task);
            return null;
        });
        quick.openDecided();
        assertThat(pacer.inFlight()).isZero();
        timers.get(1).run();
        assertThat(pacer.inFlight()).isZero();
        assertThat(pacer.dialHoldsCut()).isEqualTo(1);
    }
}
