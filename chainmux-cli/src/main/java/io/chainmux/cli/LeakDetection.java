package io.chainmux.cli;

import io.netty.util.ResourceLeakDetector;

/** Netty's leak detector for long measured runs (benchmarks, the demo). */
final class LeakDetection {
    static final String LEVEL_PROPERTY = "io.netty.leakDetection.level";

    private LeakDetection() {
    }

    /**
     * Switches the detector off unless a level was set explicitly (tests set {@code paranoid}): its
     * per-buffer bookkeeping would tax every measurement.
     */
    static void offUnlessSet() {
        if (System.getProperty(LEVEL_PROPERTY) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }
}
