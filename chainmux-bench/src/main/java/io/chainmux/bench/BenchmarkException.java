package io.chainmux.bench;

/** A run failed: a contender reported an error, delivered out of order, or delivered nothing. */
public final class BenchmarkException extends Exception {
    public BenchmarkException(String message, Throwable cause) {
        super(cause == null ? message : message + ": " + describe(cause), cause);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    }
}
