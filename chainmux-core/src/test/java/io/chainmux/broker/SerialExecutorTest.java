package io.chainmux.broker;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SerialExecutorTest {
    private static final long WAIT = 10;

    @Test
    void runsTasksInOrderAndYieldsAfterABatch() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            SerialExecutor serial = new SerialExecutor("test", pool, 2);
            List<Integer> order = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch done = new CountDownLatch(5);
            for (int i = 0; i < 5; i++) {
                int n = i;
                serial.execute(() -> {
                    order.add(n);
                    done.countDown();
                });
            }
            assertThat(done.await(WAIT, TimeUnit.SECONDS)).isTrue();
            assertThat(order).containsExactly(0, 1, 2, 3, 4);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Tasks accepted before the pool shut down may hold messages to release (a future's continuation
     * carrying a received message): once a drain has used its batch and cannot reschedule, they still
     * run, on the draining thread, instead of being dropped.
     */
    @Test
    void tasksAcceptedBeforeShutdownStillRun() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        SerialExecutor serial = new SerialExecutor("test", pool, 1);
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch laterRan = new CountDownLatch(2);
        serial.execute(() -> {
            firstRunning.countDown();
            await(release);
        });
        assertThat(firstRunning.await(WAIT, TimeUnit.SECONDS)).isTrue();
        serial.execute(laterRan::countDown); // queued behind the running task: the batch of 1 is used up
        serial.execute(laterRan::countDown);
        pool.shutdown();
        release.countDown();
        assertThat(pool.awaitTermination(WAIT, TimeUnit.SECONDS)).isTrue();
        assertThat(laterRan.getCount()).as("accepted tasks left unrun").isZero();
        assertThatThrownBy(() -> serial.execute(() -> { }))
                .as("a task offered after the shutdown is refused, not kept")
                .isInstanceOf(RejectedExecutionException.class);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(WAIT, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
