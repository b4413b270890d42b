package io.chainmux.bench.iperf;

import io.chainmux.bench.BenchmarkException;
import io.chainmux.bench.Sample;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Iperf3ContenderTest {
    @Test
    void readsTheReceiversCountedBytesAndSeconds() throws Exception {
        Sample s = Iperf3Contender.parse("""
                {"start": {}, "intervals": [],
                 "end": {"sum_sent": {"bytes": 999, "seconds": 2.0},
                         "sum_received": {"start": 0, "end": 2.5, "seconds": 2.5, "bytes": 5000000000}}}""");
        assertThat(s.payloadBytes()).isEqualTo(5_000_000_000L);
        assertThat(s.seconds()).isEqualTo(2.5);
        assertThat(s.megabytesPerSecond()).isEqualTo(2000.0);
    }

    @Test
    void anErrorOrNoJsonFailsWithIperf3sWords() {
        assertThatThrownBy(() -> Iperf3Contender.parse("{\"start\": {}, \"error\": \"unable to connect to server\"}"))
                .isInstanceOf(BenchmarkException.class).hasMessageContaining("unable to connect to server");
        assertThatThrownBy(() -> Iperf3Contender.parse("iperf3: command not understood"))
                .isInstanceOf(BenchmarkException.class).hasMessageContaining("command not understood");
    }
}
