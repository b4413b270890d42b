package io.chainmux.bench.latency;

import io.chainmux.testing.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Both ping-pong transports complete round trips (each echo checked) and tear down without leaks. */
class RoundTripRunTest {
    @AfterEach
    void noLeaks(org.junit.jupiter.api.TestInfo test) {
        LeakCheck.assertNoLeaks(test.getDisplayName());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void rawAndChainmuxCompleteRoundTripsInInterleavedRounds() throws Exception {
        StringWriter progress = new StringWriter();
        Map<String, RoundTripRun.Result> results = new RoundTripRun(List.of(new RawPingPong(), new ChainmuxPingPong()),
                64, Duration.ofMillis(300), Duration.ofMillis(500), 2, new PrintWriter(progress)).run();
        assertThat(results.keySet()).containsExactly("raw-tcp", "chainmux");
        for (RoundTripRun.Result r : results.values()) {
            assertThat(r.rounds()).hasSize(2);
            for (RoundTripRun.Round round : r.rounds()) {
                assertThat(round.roundTrips()).as(r.transport()).isPositive();
                assertThat(round.p50Micros()).isPositive().isLessThanOrEqualTo(round.p99Micros());
                assertThat(round.p99Micros()).isLessThanOrEqualTo(round.maxMicros());
            }
        }
        assertThat(progress.toString()).contains("round 2/2 chainmux rtt 64 B: p50");
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(RoundTripRun.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(RoundTripRun.median(new double[] {5, 1, 3})).isEqualTo(3);
    }
}
