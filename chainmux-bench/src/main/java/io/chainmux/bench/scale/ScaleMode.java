package io.chainmux.bench.scale;

import java.util.Locale;

/** How the node under test carries its streams. */
public enum ScaleMode {
    /** A few multiplexed TCP connections (stripes) per peer, shared by every network. */
    SHARED,
    /** A TCP connection (and handshake) of its own per stream, the same sessions. */
    UNSHARED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
