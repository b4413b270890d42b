package io.chainmux.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Fails a test if Netty reported a leaked buffer. */
final class LeakCheck {
    private static final int GC_ROUNDS = 5;

    private LeakCheck() {}

    /**
     * Collects garbage and lets the detector look at what was collected unreleased (it does so when it
     * tracks a new buffer), a bounded number of times, then asserts nothing leaked.
     */
    static void assertNoLeaks() throws InterruptedException {
        collect();
        List<String> leaks = List.copyOf(RecordingLeakDetector.LEAKS);
        RecordingLeakDetector.LEAKS.clear(); // one leak fails one test, not every later one
        assertThat(leaks).as("leaked buffers").isEmpty();
    }

    static void collect() throws InterruptedException {
        assertThat(RecordingLeakDetector.INSTANCES.get()).as("recording leak detector installed").isPositive();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        for (int i = 0; i < GC_ROUNDS; i++) {
            System.gc();
            Thread.sleep(20); // let the reference handler enqueue what the GC found
            for (int j = 0; j < 8; j++) {
                ByteBufAllocator.DEFAULT.directBuffer(16).release();
                ByteBufAllocator.DEFAULT.heapBuffer(16).release();
            }
        }
    }
}
