package io.chainmux.bench.traffic;

/** The receiver saw a message out of order, from an unknown stream, or of the wrong size: the run is invalid. */
public final class SequenceException extends IllegalStateException {
    public SequenceException(String message) {
        super(message);
    }
}
