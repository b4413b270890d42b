package io.chainmux.bench.chart;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps data values onto one pixel axis. The domain [lo, hi] is widened to "nice" bounds (multiples of
 * 1, 2 or 5 x 10^k when linear, whole decades when log) and mapped onto pixels [p0, p1]; p1 may be
 * less than p0 (y grows downwards in SVG, so a vertical axis passes p0 = bottom, p1 = top).
 * Log scales place value v at p0 + (p1 - p0) * (log10 v - log10 lo) / (log10 hi - log10 lo).
 */
final class Scale {
    final double lo;
    final double hi;
    final boolean log;
    private final double p0;
    private final double p1;
    private final double step; // linear tick step; unused for log

    private Scale(double lo, double hi, boolean log, double step, double p0, double p1) {
        this.lo = lo;
        this.hi = hi;
        this.log = log;
        this.step = step;
        this.p0 = p0;
        this.p1 = p1;
    }

    /** A linear scale covering [min, max] with about five ticks; a zero-width range is widened. */
    static Scale linear(double min, double max, double p0, double p1) {
        if (min == max) {
            double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
            min = min >= 0 && min - pad < 0 ? 0 : min - pad;
            max = max + pad;
        }
        double step = niceStep((max - min) / 5);
        return new Scale(Math.floor(min / step) * step, Math.ceil(max / step) * step, false, step, p0, p1);
    }

    /** A log10 scale over whole decades; both bounds must be positive. The minimum gets a decade of room. */
    static Scale log(double min, double max, double p0, double p1) {
        if (!(min > 0)) {
            throw new IllegalArgumentException("a log scale needs values > 0, got " + min);
        }
        double lo = Math.pow(10, Math.floor(Math.log10(min)));
        if (lo >= min) {
            lo /= 10; // a value exactly on the lowest decade would get a zero-length bar
        }
        double hi = Math.pow(10, Math.ceil(Math.log10(max)));
        if (hi <= lo) {
            hi = lo * 10;
        }
        return new Scale(lo, hi, true, 0, p0, p1);
    }

    double px(double v) {
        double t = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
        return p0 + (p1 - p0) * t;
    }

    /** Tick values: every linear step; every decade on a log axis, plus 2 and 5 when it spans few decades. */
    List<Double> ticks() {
        List<Double> ticks = new ArrayList<>();
        if (!log) {
            long n = Math.round((hi - lo) / step);
            for (long i = 0; i <= n; i++) {
                ticks.add(lo + i * step);
            }
            return ticks;
        }
        boolean fine = Math.log10(hi / lo) <= 2.01;
        for (double decade = lo; decade <= hi * 1.0001; decade *= 10) {
            ticks.add(decade);
            if (fine && decade * 10 <= hi * 1.0001) {
                ticks.add(decade * 2);
                ticks.add(decade * 5);
            }
        }
        return ticks;
    }

    /** 1, 2 or 5 x 10^k, the smallest not below {@code rough}. */
    private static double niceStep(double rough) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * magnitude >= rough * 0.999) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** Three significant digits with a k/M/G suffix: 0.25, 950, 12.3k, 4.5M. */
    static String compact(double v) {
        double a = Math.abs(v);
        String suffix = "";
        if (a >= 999.5e6) {
            v /= 1e9;
            suffix = "G";
        } else if (a >= 999.5e3) {
            v /= 1e6;
            suffix = "M";
        } else if (a >= 999.5) {
            v /= 1e3;
            suffix = "k";
        }
        if (v == 0) {
            return "0";
        }
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString() + suffix;
    }
}
