package io.chainmux.bench;

import io.chainmux.bench.traffic.Meter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The harness's own rules, with fake contenders (no network). */
class MeasurementTest {
    private static final RunParams QUICK = new RunParams(Duration.ZERO, Duration.ofMillis(50), 64, 1);

    @Test
    void aReportedFailureEndsTheRunWithItsCauseAndStillCloses() {
        AtomicBoolean closed = new AtomicBoolean();
        Contender failing = fake("failing", meter -> meter.fail(new IllegalStateException("boom")), closed);
        assertThatThrownBy(() -> failing.smallMessages(QUICK))
                .isInstanceOf(BenchmarkException.class)
                .hasMessage("failing failed: IllegalStateException: boom");
        assertThat(closed).isTrue();
    }

    @Test
    void deliveringNothingIsAFailure() {
        AtomicBoolean closed = new AtomicBoolean();
        Contender idle = fake("idle", meter -> { }, closed);
        assertThatThrownBy(() -> idle.smallMessages(QUICK))
                .isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("idle delivered no message in its warm-up (0 ms, then up to 1000 ms more");
        assertThat(closed).isTrue();
    }

    @Test
    void stallingAfterTheWarmUpIsAFailure() {
        AtomicBoolean closed = new AtomicBoolean();
        Contender stalls = fake("stalls", meter -> meter.add(5, 320), closed);
        assertThatThrownBy(() -> stalls.smallMessages(QUICK))
                .isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("stalls delivered no message in the measured 50 ms (stalled? 5 during the warm-up)");
        assertThat(closed).isTrue();
    }

    @Test
    void countsThePipeTighteningsOfTheMeasuredIntervalOnly() throws Exception {
        // 5 before the measured interval (not counted), 3 more with the messages of the interval.
        AtomicLong tightened = new AtomicLong(5);
        Sample s = scripted(tightened).smallMessages(new RunParams(Duration.ofMillis(50), Duration.ofMillis(1000), 100, 1));
        assertThat(s.messages()).isEqualTo(3);
        assertThat(s.pipeTightened()).isEqualTo(3);
    }

    @Test
    void countsOnlyWhatArrivesDuringTheMeasuredInterval() throws Exception {
        // 10 messages during the warm-up (not counted), 3 of 100 bytes afterwards (counted).
        Sample s = scripted(null).smallMessages(new RunParams(Duration.ofMillis(50), Duration.ofMillis(1000), 100, 1));
        assertThat(s.messages()).isEqualTo(3);
        assertThat(s.payloadBytes()).isEqualTo(300);
        assertThat(s.pipeTightened()).as("a contender without a pipe").isEqualTo(-1);
        assertThat(s.seconds()).isGreaterThanOrEqualTo(1.0);
    }

    /**
     * Delivers 10 messages of 100 bytes at its start and 3 more 200 ms later (well after a 50 ms
     * warm-up, well before the end of a 1 s interval); with {@code tightened}, a pipe whose count
     * rises by 3 with them, else no pipe.
     */
    private static Contender scripted(AtomicLong tightened) {
        return new Contender() {
            @Override
            public String name() {
                return "scripted";
            }

            @Override
            public Running start(Workload w, Meter meter) {
                meter.add(10, 1000);
                Thread t = new Thread(() -> {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (tightened != null) {
                        tightened.addAndGet(3);
                    }
                    meter.add(3, 300);
                });
                t.start();
                return new Running() {
                    @Override
                    public long pipeTightenings() {
                        return tightened == null ? -1 : tightened.get();
                    }

                    @Override
                    public void close() {
                        t.interrupt();
                        try {
                            t.join(1000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                };
            }
        };
    }

    @Test
    void bulkRunsOverOneStream() {
        Contender c = fake("any", meter -> { }, new AtomicBoolean());
        assertThatThrownBy(() -> c.bulk(new RunParams(Duration.ZERO, Duration.ofMillis(1), 64, 2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void paramsAreValidated() {
        assertThatThrownBy(() -> new RunParams(Duration.ofSeconds(-1), Duration.ofSeconds(1), 64, 1))
                .hasMessageContaining("warm-up");
        assertThatThrownBy(() -> new RunParams(Duration.ZERO, Duration.ZERO, 64, 1))
                .hasMessageContaining("measured time");
        assertThatThrownBy(() -> new Workload(11, 1)).hasMessageContaining("message size");
        assertThatThrownBy(() -> new Workload(64, 0)).hasMessageContaining("streams");
    }

    private static Contender fake(String name, java.util.function.Consumer<Meter> onStart, AtomicBoolean closed) {
        return new Contender() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Running start(Workload w, Meter meter) {
                onStart.accept(meter);
                return () -> closed.set(true);
            }
        };
    }
}
