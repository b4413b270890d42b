package io.chainmux.bench;

import io.chainmux.bench.traffic.Meter;

import java.time.Duration;

/**
 * One measurement of one contender: start, warm up, count at the receiver during the measured
 * interval, close. Failures reported by the contender end the wait at once (polled every 50 ms).
 * Over the counted interval it also reads the CPU time of the contender's client (sender) and
 * server (receiver) event-loop threads, and how often the sender's pipe tightened (chainmux).
 * The warm-up lasts at least its configured time and until the first message has arrived (at most
 * {@link #FIRST_MESSAGE_FACTOR} times the warm-up more, within 1-60 s), so a contender that is slow to
 * start on a busy machine is measured once it moves instead of failing a measurement that began
 * before it did.
 */
public final class Measurement {
    private static final long POLL_NANOS = 50_000_000L;
    static final int FIRST_MESSAGE_FACTOR = 25;

    private Measurement() {}

    public static Sample measure(Contender contender, RunParams params) throws BenchmarkException {
        Meter meter = new Meter();
        Running running;
        try {
            running = contender.start(params.workload(), meter);
        } catch (Exception e) {
            throw new BenchmarkException(contender.name() + " failed to start", e);
        }
        BenchmarkException failure = null;
        Sample sample = null;
        try {
            watch(contender, meter, params.warmup());
            long firstLimit = Math.max(1_000, Math.min(60_000, params.warmup().toMillis() * FIRST_MESSAGE_FACTOR));
            long firstDeadline = System.nanoTime() + firstLimit * 1_000_000L;
            while (meter.snapshot()[0] == 0) {
                if (System.nanoTime() - firstDeadline > 0) {
                    throw new BenchmarkException(contender.name() + " delivered no message in its warm-up ("
                            + params.warmup().toMillis() + " ms, then up to " + firstLimit + " ms more for a first message)", null);
                }
                watch(contender, meter, Duration.ofNanos(POLL_NANOS));
            }
            boolean cpu = contender.cpuOnEventLoops() && ThreadCpu.supported();
            String client = contender.name() + "-client";
            String server = contender.name() + "-server";
            long[] before = meter.snapshot();
            long tightenedBefore = running.pipeTightenings();
            long clientCpu = cpu ? ThreadCpu.nanos(client) : -1;
            long serverCpu = cpu ? ThreadCpu.nanos(server) : -1;
            long t0 = System.nanoTime();
            watch(contender, meter, params.measure());
            long t1 = System.nanoTime();
            long[] after = meter.snapshot();
            long tightened = tightenedBefore < 0 ? -1 : running.pipeTightenings() - tightenedBefore;
            sample = new Sample(after[0] - before[0], after[1] - before[1], t1 - t0,
                    cpu ? ThreadCpu.nanos(client) - clientCpu : -1, cpu ? ThreadCpu.nanos(server) - serverCpu : -1,
                    tightened);
            if (sample.messages() == 0) {
                throw new BenchmarkException(contender.name() + " delivered no message in the measured "
                        + params.measure().toMillis() + " ms (stalled? " + before[0] + " during the warm-up)", null);
            }
        } catch (BenchmarkException e) {
            failure = e;
        } finally {
            meter.closing();
            try {
                running.close();
            } catch (RuntimeException e) {
                BenchmarkException closeFailure = new BenchmarkException(contender.name() + " failed to close", e);
                if (failure == null) {
                    failure = closeFailure;
                } else {
                    failure.addSuppressed(closeFailure);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return sample;
    }

    private static void watch(Contender contender, Meter meter, Duration duration) throws BenchmarkException {
        long deadline = System.nanoTime() + duration.toNanos();
        while (true) {
            Throwable f = meter.failure();
            if (f != null) {
                throw new BenchmarkException(contender.name() + " failed", f);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(left, POLL_NANOS) / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException("interrupted", e);
            }
        }
    }
}
