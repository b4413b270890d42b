package io.chainmux.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakTracker;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The leaks Netty reported, and the check that fails a test on them. {@link LeakDetectionExtension}
 * calls {@link #assertNoLeaks(String)} after every test class; a test may call it itself (e.g. in
 * {@code @AfterEach}) for a finer attribution.
 *
 * <p>Netty only reports a leak when a detector tracks its next object after the GC found the leaked one
 * unreleased; {@link #flush()} makes that happen, bounded in rounds and time. Netty reports each
 * distinct record (same creation and access stacks) once per JVM, so a leak that recurs from the same
 * place fails only the first class it shows up in: enough to fail the build.
 */
public final class LeakCheck {
    private static final int FLUSH_ROUNDS = 3;
    private static final long FLUSH_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int GC_TRIES_PER_ROUND = 10;
    private static final long GC_WAIT_MILLIS = 50;
    /** Shown in a failure message; Netty's ERROR log has all of them. */
    private static final int MAX_SHOWN = 5;
    private static final Object DRAIN_PROBE = new Object();

    private static final Queue<String> RECORDS = new ConcurrentLinkedQueue<>();

    private LeakCheck() {}

    static void record(String leak) {
        RECORDS.add(leak);
    }

    /** Removes and returns the leaks reported so far. */
    public static List<String> takeRecords() {
        List<String> out = new ArrayList<>();
        for (String r; (r = RECORDS.poll()) != null; ) {
            out.add(r);
        }
        return out;
    }

    /** Fails unless the recording factory made Netty's buffer leak detector (allocating a buffer if none was yet). */
    public static void assertRecording() {
        if (!RecordingLeakDetectorFactory.recordsBufferLeaks()) {
            ByteBufAllocator.DEFAULT.heapBuffer(1).release(); // initialises AbstractByteBuf's detector
        }
        if (!RecordingLeakDetectorFactory.recordsBufferLeaks()) {
            throw new IllegalStateException("Netty created its buffer leak detector before chainmux's "
                    + "RecordingLeakDetectorFactory was installed, so leaks would only be logged: something "
                    + "allocated a buffer before the JUnit launcher session opened (is "
                    + "io.chainmux.testing.LeakDetectorInstaller on the test classpath?)");
        }
    }

    /** Flushes pending reports, then fails with their records if any leak was reported since the last check. */
    public static void assertNoLeaks(String where) {
        assertRecording();
        flush();
        List<String> leaks = takeRecords(); // taken: one leak fails one check, not every later one
        if (leaks.isEmpty()) {
            return;
        }
        StringBuilder msg = new StringBuilder()
                .append(leaks.size()).append(" leak(s) reported by Netty during ").append(where)
                .append(" (a leak still referenced at an earlier check is reported at a later one;")
                .append(" the records show where it was created and last touched):");
        for (int i = 0; i < Math.min(MAX_SHOWN, leaks.size()); i++) {
            msg.append(System.lineSeparator()).append(leaks.get(i));
        }
        if (leaks.size() > MAX_SHOWN) {
            msg.append(System.lineSeparator()).append("... and ").append(leaks.size() - MAX_SHOWN)
                    .append(" more in the ERROR log of io.netty.util.ResourceLeakDetector");
        }
        throw new AssertionError(msg.toString());
    }

    /**
     * Makes every detector report what the GC has found unreleased: GC until a sentinel object is seen
     * collected, then have each detector track (and at once release) a probe, which is when it reports.
     * A few rounds, because an object may only become unreachable once another one is collected.
     */
    public static void flush() {
        long deadline = System.nanoTime() + FLUSH_BUDGET_NANOS;
        for (int round = 0; round < FLUSH_ROUNDS && System.nanoTime() < deadline; round++) {
            collectGarbage(deadline);
            for (ResourceLeakDetector<?> d : RecordingLeakDetectorFactory.detectors()) {
                drain(d);
            }
        }
    }

    private static void collectGarbage(long deadline) {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        PhantomReference<Object> sentinel = new PhantomReference<>(new Object(), queue);
        try {
            for (int i = 0; i < GC_TRIES_PER_ROUND && System.nanoTime() < deadline; i++) {
                System.gc();
                if (queue.remove(GC_WAIT_MILLIS) != null) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Reference.reachabilityFence(sentinel);
        }
    }

    @SuppressWarnings("unchecked")
    private static void drain(ResourceLeakDetector<?> detector) {
        // trackForcibly ignores sampling, so this reports at every leak level but DISABLED.
        ResourceLeakTracker<Object> t = ((ResourceLeakDetector<Object>) detector).trackForcibly(DRAIN_PROBE);
        if (t != null) {
            t.close(DRAIN_PROBE);
        }
    }
}
