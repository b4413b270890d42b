package io.chainmux.chaindb;

/** {@link ChainDb#append} refused a block; {@link #reason()} says which check failed. */
public final class InvalidBlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Which check a refused block failed. */
    public enum Reason {
        /** The claimed hash is not the hash of the block's contents. */
        BAD_HASH,
        /** The parent hash is not the hash of the block below it. */
        WRONG_PARENT,
        /** The height is above the tip + 1: blocks below it are missing. */
        NOT_NEXT,
        /** A different block is already stored at that height (a fork). */
        CONFLICT,
        /** The payload exceeds the chain's maximum payload size. */
        PAYLOAD_TOO_LARGE
    }

    private final Reason reason;
    private final long height;

    public InvalidBlockException(Reason reason, long height, String message) {
        super(message);
        this.reason = reason;
        this.height = height;
    }

    public Reason reason() {
        return reason;
    }

    /** Height of the refused block. */
    public long height() {
        return height;
    }
}
