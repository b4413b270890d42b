package io.chainmux.chaindb;

/** Codes of the sync protocol's ERROR message (docs/CHAINDB-SYNC.md). */
public enum SyncErrorCode {
    /** The request could not be decoded or was not a request. The responder ends the session after it. */
    BAD_REQUEST(1),
    /** GET_BLOCKS asked for more blocks than the responder serves at once; ask for fewer. */
    REQUEST_TOO_LARGE(2),
    /** The first requested block alone does not fit the requested max bytes. */
    BLOCK_TOO_LARGE(3),
    /** The responder failed internally. */
    INTERNAL(4),
    /** A code this implementation does not know (received only, never sent). */
    UNKNOWN(0xFFFF);

    public final int code;

    SyncErrorCode(int code) {
        this.code = code;
    }

    /** The code for a received value; unknown values map to {@link #UNKNOWN}. */
    public static SyncErrorCode fromWire(int code) {
        for (SyncErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
