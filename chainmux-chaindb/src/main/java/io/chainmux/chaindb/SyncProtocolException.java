package io.chainmux.chaindb;

/** A sync message that does not decode: wrong type, size, count, bounds or text. */
public final class SyncProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SyncProtocolException(String message) {
        super(message);
    }
}
