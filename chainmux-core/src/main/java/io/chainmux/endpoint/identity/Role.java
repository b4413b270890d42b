package io.chainmux.endpoint.identity;

import io.chainmux.config.Internal;

/**
 * Which side of the TCP connection a node is. Signed into every AUTH transcript so that an AUTH
 * cannot be reflected back to the side that made it.
 */
@Internal
public enum Role {
    /** The side that opened the TCP connection; transcript code 1. */
    DIALER(1),
    /** The side that accepted it; transcript code 2. */
    LISTENER(2);

    /** The role byte in the AUTH transcript. */
    public final int code;

    Role(int code) {
        this.code = code;
    }

    /** The other side's role. */
    public Role peer() {
        return this == DIALER ? LISTENER : DIALER;
    }
}
