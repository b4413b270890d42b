package io.chainmux.chaindb;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FetchWindowTest {
    private static final long KIB = 1024;
    private static final long MS = 1_000_000;
    /** Runs granted callbacks at once, on the releasing thread. */
    private static final Executor NOW = Runnable::run;

    private static FetchWindow window(long initial) {
        return new FetchWindow(initial, 64 * KIB, 64 * 1024 * KIB, Duration.ofMillis(10));
    }

    private static FetchWindow.Grant take(FetchWindow w, long bytes) {
        FetchWindow.Grant g = w.acquireOrWait(bytes, x -> {
            throw new AssertionError("expected room now");
        }, NOW);
        assertThat(g).as("room for " + bytes + " bytes in " + w).isNotNull();
        return g;
    }

    @Test
    void growsByWhatIsAnsweredWhileAnswersComeBackFast() {
        FetchWindow w = window(256 * KIB);
        long t = 0;
        for (int round = 0; round < 3; round++) {
            long size = w.window();
            List<FetchWindow.Grant> gs = new ArrayList<>();
            for (long b = 0; b < size; b += 64 * KIB) {
                gs.add(take(w, 64 * KIB));
            }
            t += 2 * MS;
            for (FetchWindow.Grant g : gs) {
                w.answered(g, 2 * MS, t);
            }
            assertThat(w.window()).as("round " + round).isEqualTo(2 * size);
        }
        assertThat(w.inFlight()).isZero();
        assertThat(w.decreases()).isZero();
    }

    @Test
    void halvesOncePerRoundTripWhenAnswersQueueBeyondTheTarget() {
        FetchWindow w = window(1024 * KIB);
        FetchWindow.Grant first = take(w, 64 * KIB);
        w.answered(first, 2 * MS, 0); // the base: 2 ms
        long before = w.window();
        FetchWindow.Grant a = take(w, 64 * KIB);
        FetchWindow.Grant b = take(w, 64 * KIB);
        w.answered(a, 30 * MS, 30 * MS); // 28 ms of queueing
        w.answered(b, 31 * MS, 31 * MS); // within the same round trip: no second halving
        assertThat(w.window()).isEqualTo(before / 2);
        assertThat(w.decreases()).isOne();
        FetchWindow.Grant c = take(w, 64 * KIB);
        w.answered(c, 30 * MS, 70 * MS); // a round trip later
        assertThat(w.window()).isEqualTo(before / 4);
    }

    @Test
    void neverShrinksBelowItsMinimumNorGrowsBeyondItsMaximum() {
        FetchWindow w = new FetchWindow(128 * KIB, 64 * KIB, 256 * KIB, Duration.ofMillis(10));
        FetchWindow.Grant base = take(w, 64 * KIB);
        w.answered(base, MS, 0);
        for (int i = 1; i <= 5; i++) {
            w.answered(take(w, 64 * KIB), 100 * MS, i * 1000 * MS);
        }
        assertThat(w.window()).isEqualTo(64 * KIB);
        FetchWindow fast = new FetchWindow(128 * KIB, 64 * KIB, 256 * KIB, Duration.ofMillis(10));
        for (int i = 0; i < 20; i++) {
            fast.answered(take(fast, 64 * KIB), MS, i * MS);
        }
        assertThat(fast.window()).isEqualTo(256 * KIB);
    }

    @Test
    void aRequestThatDoesNotFitWaitsAndIsGrantedInOrderWhenBytesComeBack() {
        FetchWindow w = window(128 * KIB);
        FetchWindow.Grant held = take(w, 128 * KIB);
        List<String> granted = new ArrayList<>();
        List<FetchWindow.Grant> grants = new ArrayList<>();
        assertThat(w.acquireOrWait(64 * KIB, g -> {
            granted.add("first");
            grants.add(g);
        }, NOW)).isNull();
        assertThat(w.acquireOrWait(64 * KIB, g -> {
            granted.add("second");
            grants.add(g);
        }, NOW)).isNull();
        // A newcomer that would fit after the waiters does not pass them.
        w.released(held);
        assertThat(granted).containsExactly("first", "second");
        assertThat(w.inFlight()).isEqualTo(128 * KIB);
        assertThat(w.waits()).isEqualTo(2);
        grants.forEach(w::released);
        assertThat(w.inFlight()).isZero();
    }

    @Test
    void aNewcomerQueuesBehindWaitersEvenIfItWouldFit() {
        FetchWindow w = window(128 * KIB);
        FetchWindow.Grant held = take(w, 100 * KIB);
        List<String> granted = new ArrayList<>();
        assertThat(w.acquireOrWait(64 * KIB, g -> granted.add("big"), NOW)).isNull();
        assertThat(w.acquireOrWait(16 * KIB, g -> granted.add("small"), NOW)).as("would fit, but waits its turn").isNull();
        w.released(held);
        assertThat(granted).containsExactly("big", "small");
    }

    @Test
    void oneRequestIsAdmittedWhenNothingIsInFlightWhateverItsSize() {
        FetchWindow w = window(64 * KIB);
        FetchWindow.Grant big = take(w, 1024 * KIB);
        assertThat(w.inFlight()).isEqualTo(1024 * KIB);
        w.released(big);
        w.released(big); // twice: counted once
        assertThat(w.inFlight()).isZero();
    }

    @Test
    void aRequestNeverAnsweredStopsCountingAfterTheStallFloor() throws Exception {
        FetchWindow w = new FetchWindow(128 * KIB, 64 * KIB, 1024 * KIB, Duration.ofMillis(10), Duration.ofMillis(50));
        FetchWindow.Grant stuck = take(w, 128 * KIB);
        CompletableFuture<FetchWindow.Grant> next = new CompletableFuture<>();
        long start = System.nanoTime();
        assertThat(w.acquireOrWait(64 * KIB, next::complete, NOW)).isNull();
        FetchWindow.Grant g = next.get(10, TimeUnit.SECONDS);
        assertThat(System.nanoTime() - start).as("not before the stall floor").isGreaterThanOrEqualTo(50 * MS);
        assertThat(w.stalls()).isOne();
        assertThat(w.inFlight()).isEqualTo(64 * KIB);
        w.answered(stuck, 2_000 * MS, System.nanoTime()); // a late answer: bytes not returned twice, a loss
        assertThat(w.inFlight()).isEqualTo(64 * KIB);
        assertThat(w.window()).isEqualTo(64 * KIB);
        assertThat(w.decreases()).isOne();
        w.released(g);
        assertThat(w.inFlight()).isZero();
    }

    @Test
    void aGrantTheExecutorRefusesIsGivenBack() {
        FetchWindow w = window(64 * KIB);
        FetchWindow.Grant held = take(w, 64 * KIB);
        assertThat(w.acquireOrWait(64 * KIB, g -> { }, r -> {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        })).isNull();
        w.released(held);
        assertThat(w.inFlight()).isZero();
    }

    @Test
    void badArgumentsFailTheCall() {
        assertThatThrownBy(() -> new FetchWindow(10, 20, 30, Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial 10");
        assertThatThrownBy(() -> new FetchWindow(20, 20, 10, Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FetchWindow(1, 0, 1, Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FetchWindow(1, 1, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targetDelay");
        FetchWindow w = window(64 * KIB);
        assertThatThrownBy(() -> w.acquireOrWait(0, g -> { }, NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        FetchWindow.Grant g = take(w, KIB);
        assertThatThrownBy(() -> w.answered(g, -1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delayNanos");
        assertThat(w.inFlight()).as("a refused call changes nothing").isEqualTo(KIB);
    }
}
