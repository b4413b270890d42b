package io.chainmux.bench.sim;

/** Where a running simulation is, read by a ticker thread that prints it (written by one thread). */
final class SimProgress {
    private volatile String phase = "starting";
    private volatile long done;
    private volatile long total = 1;

    void phase(String name, long totalSteps) {
        phase = name;
        total = Math.max(1, totalSteps);
        done = 0;
    }

    void step(long doneSteps) {
        done = doneSteps;
    }

    String describe() {
        return String.format(java.util.Locale.ROOT, "%s %.0f%%", phase, 100.0 * Math.min(done, total) / total);
    }
}
