package io.chainmux.bench.jmh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The send-path benchmark's invocations, outside JMH: each moves its messages and counts their CPU. */
class SendPathBenchmarkTest {
    @ParameterizedTest(name = "{0} streams, {1}")
    @CsvSource({"1000,push", "1000,pull", "1,push", "1,pull"})
    void eachInvocationSendsItsMessagesAndCountsTheirCpu(int streams, String sending) {
        SendPathBenchmark b = benchmark(streams, sending);
        b.setUp();
        try {
            ThreadCpuPerMessage cpu = new ThreadCpuPerMessage();
            cpu.start();
            long first = b.send(cpu);
            long second = b.send(cpu);
            // The messages written so far: pulled ones are written as they are taken, at least an
            // invocation's worth each time; offered ones may wait in the queues (up to the send buffer).
            if (sending.equals("pull")) {
                assertThat(first).isGreaterThanOrEqualTo(SendPathBenchmark.MESSAGES);
                assertThat(second - first).isGreaterThanOrEqualTo(SendPathBenchmark.MESSAGES);
            } else {
                assertThat(first).isPositive();
                assertThat(second).isGreaterThan(first);
            }
            assertThat(cpu.cpuNsPerMessage).isPositive();
        } finally {
            b.tearDown();
        }
    }

    @Test
    void anUnknownWayOfSendingIsRefused() {
        SendPathBenchmark b = benchmark(1, "shove");
        try {
            assertThatThrownBy(b::setUp).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("push or pull");
        } finally {
            b.tearDown();
        }
    }

    private static SendPathBenchmark benchmark(int streams, String sending) {
        SendPathBenchmark b = new SendPathBenchmark();
        b.streams = streams;
        b.sendBufferMiB = 32;
        b.sending = sending;
        return b;
    }
}
