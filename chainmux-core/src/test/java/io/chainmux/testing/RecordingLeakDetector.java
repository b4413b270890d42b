package io.chainmux.testing;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detector that also hands every leak it reports to {@link LeakCheck}, so a test can fail
 * on it instead of it only being logged. Created by {@link RecordingLeakDetectorFactory}.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    /** Report even when the logging config silences Netty's ERROR log: the record must not depend on it. */
    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LeakCheck.record("LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LeakCheck.record("LEAK: " + resourceType + ".release() was not called before it was garbage-collected"
                + " (no records: run with -Dio.netty.leakDetection.level=paranoid to see where it was created).");
        super.reportUntracedLeak(resourceType);
    }
}
