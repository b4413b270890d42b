package io.chainmux.bench;

import io.chainmux.testing.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every contender delivers, in order (the receiver fails the run otherwise), and tears down: no
 * event loop thread left, no leaked buffer.
 */
class ContenderTest {
    /** Long enough for a cold JVM with the paranoid leak detector (slow) to get traffic going. */
    private static final Duration WARMUP = Duration.ofMillis(800);
    private static final Duration MEASURE = Duration.ofMillis(700);

    static List<String> contenders() {
        return Contenders.names();
    }

    /** Per test, not only per class (the auto-detected check): names the contender that leaked. */
    @AfterEach
    void noLeaks(org.junit.jupiter.api.TestInfo test) {
        LeakCheck.assertNoLeaks(test.getDisplayName());
    }

    @ParameterizedTest
    @MethodSource("contenders")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void bulk(String name) throws Exception {
        Contender c = Contenders.create(name);
        Sample s = c.bulk(new RunParams(WARMUP, MEASURE, Scenario.BULK_MESSAGE_SIZE, 1));
        assertDelivered(name, s, Scenario.BULK_MESSAGE_SIZE);
        assertThat(s.megabytesPerSecond()).isPositive();
    }

    @ParameterizedTest
    @MethodSource("contenders")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void smallMessagesOneStream(String name) throws Exception {
        Contender c = Contenders.create(name);
        Sample s = c.smallMessages(new RunParams(WARMUP, MEASURE, 64, 1));
        assertDelivered(name, s, 64);
    }

    @ParameterizedTest
    @MethodSource("contenders")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void smallMessagesManyStreams(String name) throws Exception {
        Contender c = Contenders.create(name);
        Sample s = c.smallMessages(new RunParams(WARMUP, MEASURE, 100, 50));
        assertDelivered(name, s, 100);
    }

    private static void assertDelivered(String name, Sample s, int size) throws InterruptedException {
        assertThat(s.messages()).isPositive();
        assertThat(s.payloadBytes()).isEqualTo(s.messages() * size);
        assertThat(s.nanos()).isGreaterThanOrEqualTo(MEASURE.toNanos());
        assertNoThreadsLeft(name);
    }

    /** The contender's event loop threads (named after it) have ended, waiting a bounded time. */
    private static void assertNoThreadsLeft(String name) throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(name + "-server") || t.getName().startsWith(name + "-client")) {
                t.join(2_000);
                assertThat(t.isAlive()).as("thread %s still alive after close", t.getName()).isFalse();
            }
        }
    }
}
