package io.chainmux.bench;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The leak check the contender tests rely on does see a leak. */
class LeakCheckTest {
    @Test
    void aDroppedBufferIsReported() throws InterruptedException {
        RecordingLeakDetector.LEAKS.clear();
        leakOne();
        for (int i = 0; i < 10 && RecordingLeakDetector.LEAKS.isEmpty(); i++) {
            LeakCheck.collect();
        }
        // Netty logs this one at ERROR: it is on purpose.
        assertThat(RecordingLeakDetector.LEAKS).isNotEmpty();
        RecordingLeakDetector.LEAKS.clear();
    }

    private static void leakOne() {
        ByteBufAllocator.DEFAULT.directBuffer(8).writeLong(42L);
    }
}
