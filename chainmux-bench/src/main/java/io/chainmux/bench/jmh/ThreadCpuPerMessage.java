package io.chainmux.bench.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The benchmark thread's CPU time per message over each iteration (user + system, from the JVM's
 * thread clock), reported beside the wall-clock score as {@code <benchmark>:cpuNsPerMessage}: on a
 * shared machine a descheduled thread loses wall time but spends no CPU meanwhile.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class ThreadCpuPerMessage {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Read by JMH after each iteration. */
    public double cpuNsPerMessage;
    private long messages;
    private long startNanos;

    @Setup(Level.Iteration)
    public void start() {
        messages = 0;
        startNanos = THREADS.getCurrentThreadCpuTime();
    }

    /** Counts {@code count} more messages and brings the figure up to date; once per invocation (one clock read). */
    void add(int count) {
        messages += count;
        cpuNsPerMessage = (double) (THREADS.getCurrentThreadCpuTime() - startNanos) / messages;
    }
}
