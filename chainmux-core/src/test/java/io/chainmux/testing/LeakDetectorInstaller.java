package io.chainmux.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the recording leak detector factory when the JUnit launcher session opens: before test
 * discovery, so before any test class (or anything it initialises) can allocate the JVM's first buffer.
 * Registered in {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}.
 */
public final class LeakDetectorInstaller implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        RecordingLeakDetectorFactory.install();
    }

    /**
     * A leak that only became collectable after the last test class's check fails no test; flush so
     * Netty at least logs it, and say so on stderr.
     */
    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (!RecordingLeakDetectorFactory.recordsBufferLeaks()) {
            return; // no buffer was ever allocated: nothing to check
        }
        LeakCheck.flush();
        var late = LeakCheck.takeRecords();
        if (!late.isEmpty()) {
            System.err.println("chainmux LeakCheck: " + late.size()
                    + " leak(s) reported after the last test class finished (not attributable to a test):");
            late.forEach(System.err::println);
        }
    }
}
