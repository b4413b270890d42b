package io.chainmux.bench.scale;

/** A scale run that cannot go on: a process that does not start or answer, a phase that cannot begin. */
public final class ScaleException extends RuntimeException {
    public ScaleException(String message) {
        super(message);
    }
}
