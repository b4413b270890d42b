package io.chainmux.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of the threads whose names start with a prefix, from the JVM's per-thread CPU clocks
 * ({@link ThreadMXBean#getThreadCpuTime}, user + system). The contenders name their event-loop
 * threads {@code <contender>-client-...} and {@code <contender>-server-...}, so sender and receiver
 * are told apart. Threads started or ended between two readings make the difference wrong: read
 * around an interval in which the event loops run throughout.
 */
public final class ThreadCpu {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {}

    /** Whether this JVM reports thread CPU time. */
    public static boolean supported() {
        return MX.isThreadCpuTimeSupported() && MX.isThreadCpuTimeEnabled();
    }

    /** Nanoseconds of CPU used so far by the live threads named {@code prefix...}; -1 when unsupported. */
    public static long nanos(String prefix) {
        if (!supported()) {
            return -1;
        }
        long total = 0;
        long[] ids = MX.getAllThreadIds();
        ThreadInfo[] infos = MX.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] != null && infos[i].getThreadName().startsWith(prefix)) {
                long cpu = MX.getThreadCpuTime(ids[i]);
                if (cpu > 0) {
                    total += cpu;
                }
            }
        }
        return total;
    }
}
