package io.chainmux.bench.sim;

import java.util.Arrays;

/** Mean, median, 90th percentile and maximum of per-node values (exact, over every node measured). */
record Distribution(double mean, double p50, double p90, double max) {
    static Distribution of(double[] values) {
        if (values.length == 0) {
            return new Distribution(0, 0, 0, 0);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return new Distribution(sum / v.length, rank(v, 0.5), rank(v, 0.9), v[v.length - 1]);
    }

    /** Nearest-rank percentile. */
    private static double rank(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
