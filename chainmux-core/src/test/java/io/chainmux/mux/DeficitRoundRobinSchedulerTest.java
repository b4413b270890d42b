package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scheduler alone, with synthetic streams that always have data. */
class DeficitRoundRobinSchedulerTest {

    /** A stream with an endless supply of frames of a given size; records what it wrote. */
    static final class Source {
        final String name;
        final int frameSize;
        long written;
        long remaining = Long.MAX_VALUE;

        Source(String name, int frameSize) {
            this.name = name;
            this.frameSize = frameSize;
        }
    }

    private static WriteScheduler.Emitter<Source> emitter(List<String> order) {
        return (s, max) -> {
            if (s.remaining <= 0) {
                return WriteScheduler.IDLE;
            }
            int n = (int) Math.min(s.frameSize, s.remaining);
            s.written += n;
            s.remaining -= n;
            order.add(s.name);
            return n;
        };
    }

    @Test
    void equalWeightsGetEqualBytesWithinOneFrameAtEveryPoint() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        List<Source> sources = List.of(new Source("a", 16_384), new Source("b", 16_384), new Source("c", 16_384));
        sources.forEach(s -> drr.activate(new WriteScheduler.Node<>(s, 1)));
        List<String> order = new ArrayList<>();
        for (int pass = 0; pass < 100; pass++) {
            drr.distribute(16_384, emitter(order));
            long max = sources.stream().mapToLong(s -> s.written).max().orElseThrow();
            long min = sources.stream().mapToLong(s -> s.written).min().orElseThrow();
            assertThat(max - min).as("after pass %d", pass).isLessThanOrEqualTo(16_384);
        }
        assertThat(order.subList(0, 6)).containsExactly("a", "b", "c", "a", "b", "c");
    }

    @Test
    void anUrgentStreamGoesBeforeARoundOfHundredsOfBulkStreamsWhichThenResumeInTheirOrder() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        List<Source> bulk = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Source b = new Source("bulk" + i, 16_384);
            bulk.add(b);
            drr.activate(new WriteScheduler.Node<>(b, 1));
        }
        List<String> order = new ArrayList<>();
        drr.distribute(2 * 16_384L, emitter(order)); // bulk0 and bulk1 had their turn
        Source echo = new Source("echo", 64);
        echo.remaining = 64;
        WriteScheduler.Node<Source> urgent = new WriteScheduler.Node<>(echo, 1);
        urgent.urgent = true;
        drr.activate(urgent);
        order.clear();
        drr.distribute(16_384, emitter(order));
        assertThat(order).as("the echo first, then the bulk stream whose turn it was").containsExactly("echo", "bulk2");
        assertThat(echo.written).isEqualTo(64);
        order.clear();
        drr.distribute(16_384, emitter(order));
        assertThat(order).containsExactly("bulk3");
        assertThat(drr.hasActive()).isTrue();
    }

    @Test
    void aBlockedConnectionStopsTheUrgentRingAndTheRest() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        Source ordinary = new Source("ordinary", 1_000);
        drr.activate(new WriteScheduler.Node<>(ordinary, 1));
        WriteScheduler.Node<Source> urgent = new WriteScheduler.Node<>(new Source("urgent", 1_000), 1);
        urgent.urgent = true;
        drr.activate(urgent);
        List<String> order = new ArrayList<>();
        long written = drr.distribute(1_000_000, (s, max) -> {
            if (order.size() == 3) {
                return WriteScheduler.BLOCKED;
            }
            order.add(s.name);
            return 1_000;
        });
        assertThat(written).isEqualTo(3_000);
        assertThat(order).containsExactly("urgent", "urgent", "urgent");
        assertThat(ordinary.written).isZero();
    }

    @Test
    void smallFramesAgainstLargeFramesStillShareBytesEqually() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        Source big = new Source("big", 16_384);
        Source small = new Source("small", 64);
        drr.activate(new WriteScheduler.Node<>(big, 1));
        drr.activate(new WriteScheduler.Node<>(small, 1));
        List<String> order = new ArrayList<>();
        drr.distribute(100 * 16_384L, emitter(order));
        assertThat(Math.abs(big.written - small.written)).isLessThanOrEqualTo(16_384);
        assertThat(small.written).isGreaterThan(40 * 16_384L);
    }

    @Test
    void weightsOneTwoFourGetThatRatio() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        Source w1 = new Source("w1", 16_384);
        Source w2 = new Source("w2", 16_384);
        Source w4 = new Source("w4", 16_384);
        drr.activate(new WriteScheduler.Node<>(w1, 1));
        drr.activate(new WriteScheduler.Node<>(w2, 2));
        drr.activate(new WriteScheduler.Node<>(w4, 4));
        drr.distribute(7 * 16_384L * 50, emitter(new ArrayList<>()));
        assertThat(w1.written).isEqualTo(50 * 16_384L);
        assertThat(w2.written).isEqualTo(100 * 16_384L);
        assertThat(w4.written).isEqualTo(200 * 16_384L);
    }

    @Test
    void randomFrameSizesStayWithinOneFramePerRound() {
        Random random = new Random(42);
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        List<Source> sources = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Source s = new Source("s" + i, 1 + random.nextInt(16_384));
            sources.add(s);
            drr.activate(new WriteScheduler.Node<>(s, 1));
        }
        drr.distribute(8 * 16_384L * 200, emitter(new ArrayList<>()));
        long max = sources.stream().mapToLong(s -> s.written).max().orElseThrow();
        long min = sources.stream().mapToLong(s -> s.written).min().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(2 * 16_384L);
    }

    @Test
    void idleStreamsLeaveTheRingAndBlockedStopsDistribution() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(1000);
        Source finite = new Source("finite", 100);
        finite.remaining = 300;
        drr.activate(new WriteScheduler.Node<>(finite, 1));
        List<String> order = new ArrayList<>();
        long written = drr.distribute(10_000, emitter(order));
        assertThat(written).isEqualTo(300);
        assertThat(drr.hasActive()).isFalse();

        Source blocked = new Source("blocked", 100);
        drr.activate(new WriteScheduler.Node<>(blocked, 1));
        assertThat(drr.distribute(10_000, (s, max) -> WriteScheduler.BLOCKED)).isZero();
        assertThat(drr.hasActive()).as("a blocked stream keeps its place").isTrue();
    }

    /** Like {@link #emitter}, but says {@link WriteScheduler#DRAINED} once a stream has nothing left, as the writer does. */
    private static WriteScheduler.Emitter<Source> draining() {
        return (s, max) -> {
            if (s.remaining <= 0) {
                return WriteScheduler.DRAINED;
            }
            int n = (int) Math.min(s.frameSize, s.remaining);
            s.written += n;
            s.remaining -= n;
            return n;
        };
    }

    private static Source finite(String name, int frameSize, long bytes) {
        Source s = new Source(name, frameSize);
        s.remaining = bytes;
        return s;
    }

    @Test
    void aStreamThatCameWithLessThanHalfATurnAndDrainedInItIsALightTurn() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        Source bulk = new Source("bulk", 16_384);
        drr.activate(new WriteScheduler.Node<>(bulk, 1));
        drr.distribute(10 * 16_384L, draining());
        assertThat(drr.lightTurns()).as("a backlogged stream is not light").isZero();
        assertThat(drr.heavyTurns()).as("it is heavy").isEqualTo(10);
        drr.activate(new WriteScheduler.Node<>(finite("small", 1024, 1024), 1));
        drr.distribute(10 * 16_384L, draining());
        assertThat(drr.lightTurns()).isEqualTo(1);
    }

    @Test
    void aLightTurnTellsTheLeastItWaitedBehindOtherStreamsFromItsActivationToItsTurn() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        assertThat(drr.takeLeastLightWait()).as("no light turn yet").isEqualTo(Long.MAX_VALUE);
        Source bulk = new Source("bulk", 16_384);
        drr.activate(new WriteScheduler.Node<>(bulk, 1));
        drr.distribute(3 * 16_384L, draining()); // bytes before the small stream came do not count
        List<Source> backlogged = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            Source s = finite("b" + i, 16_384, 2 * 16_384);
            backlogged.add(s);
            drr.activate(new WriteScheduler.Node<>(s, 1));
        }
        drr.activate(new WriteScheduler.Node<>(finite("small", 1024, 1024), 1));
        drr.distribute(1 << 20, draining());
        assertThat(drr.lightTurns()).isEqualTo(1);
        // ahead of it in the ring: the bulk stream's turn and one turn of each of the nine
        assertThat(drr.takeLeastLightWait()).isEqualTo(10 * 16_384L);
        assertThat(drr.takeLeastLightWait()).as("taken: starts afresh").isEqualTo(Long.MAX_VALUE);

        WriteScheduler.Node<Source> urgent = new WriteScheduler.Node<>(finite("urgent", 64, 64), 1);
        urgent.urgent = true;
        drr.activate(urgent);
        drr.activate(new WriteScheduler.Node<>(finite("small 2", 1024, 1024), 1));
        drr.distribute(1 << 20, draining());
        assertThat(drr.lightTurns()).isEqualTo(3);
        assertThat(drr.takeLeastLightWait()).as("the urgent stream went first: the least of the two").isZero();
    }

    @Test
    void equalStreamsOfAFullTurnEachAreNotLightEvenWhenTheyDrainInTheirSecondTurn() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 1000; i++) { // 256 messages of 64 B each: exactly one turn's share
                drr.activate(new WriteScheduler.Node<>(finite("s" + i, 64, 16_384), 1));
            }
            while (drr.hasActive()) {
                drr.distribute(1 << 20, draining());
            }
        }
        assertThat(drr.lightTurns()).isZero();
    }

    @Test
    void equalStreamsOfOneSmallMessageEachAreLightButNoneIsHeavy() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        for (int i = 0; i < 1000; i++) {
            drr.activate(new WriteScheduler.Node<>(finite("s" + i, 64, 64), 1));
        }
        drr.distribute(1 << 20, draining());
        assertThat(drr.hasActive()).isFalse();
        assertThat(drr.lightTurns()).isEqualTo(1000);
        assertThat(drr.heavyTurns()).isZero();
    }

    @Test
    void aTurnCutShortByThePassBudgetCountsWhole() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        drr.activate(new WriteScheduler.Node<>(finite("a", 1024, 12 * 1024), 1));
        drr.distribute(11 * 1024, draining()); // 11 KiB in this pass, the last 1 KiB in the next
        drr.distribute(1 << 20, draining());
        assertThat(drr.hasActive()).isFalse();
        assertThat(drr.lightTurns()).as("12 KiB of a 16 KiB turn is not light").isZero();
    }

    @Test
    void aStreamThatStopsOnItsWindowIsNotLightButAnUrgentOneThatDrainsIs() {
        DeficitRoundRobinScheduler<Source> drr = new DeficitRoundRobinScheduler<>(16_384);
        Source stalled = new Source("stalled", 1024);
        drr.activate(new WriteScheduler.Node<>(stalled, 1));
        drr.distribute(1 << 20, (s, max) -> s.written++ == 0 ? 1024 : WriteScheduler.IDLE);
        assertThat(drr.lightTurns()).as("out of credit, not out of data").isZero();

        WriteScheduler.Node<Source> urgent = new WriteScheduler.Node<>(finite("urgent", 16_384, 64 * 1024), 1);
        urgent.urgent = true;
        drr.activate(urgent);
        while (drr.hasActive()) {
            drr.distribute(1 << 20, draining());
        }
        assertThat(drr.lightTurns()).isEqualTo(1);
    }

    @Test
    void rejectsBadWeightsAndQuanta() {
        assertThatThrownBy(() -> new WriteScheduler.Node<>(new Source("x", 1), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WriteScheduler.Node<>(new Source("x", 1), 257))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeficitRoundRobinScheduler<Source>(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
