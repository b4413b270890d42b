package io.chainmux.endpoint;

/** The endpoint's named limits; each hit is logged once per occurrence and counted in {@link EndpointStats}. */
public enum Limit {
    /** Inbound TCP connections open at once, over all remote addresses. */
    MAX_INBOUND_CONNECTIONS("max_inbound_connections"),
    /** Inbound TCP connections open at once from one remote IP address. */
    MAX_INBOUND_PER_IP("max_inbound_per_ip"),
    /** Connections (stripe indexes) of one peer: a HELLO with a stripe index at or above it is refused. */
    MAX_STRIPES_PER_PEER("max_stripes_per_peer"),
    /**
     * Inbound connections one remote address (or /24, /64 block) may start: a token bucket, so a
     * stranger cannot make us sign AUTHs at will. Over it, the connection is closed at accept.
     */
    HANDSHAKE_RATE("handshake_rate"),
    /**
     * The mux's abuse budgets (premature RESETs, provoked RESETs, PINGs) summed over every connection
     * from one remote address (or /24, /64 block): a connection that charges a spent one is closed
     * (ENHANCE_YOUR_CALM) and new connections from a spent address or block are closed at accept.
     */
    ADDRESS_ABUSE_BUDGET("address_abuse_budget"),
    /** Preamble, TLS and identity handshake must finish within it. */
    HANDSHAKE_TIMEOUT("handshake_timeout"),
    /** A connection that receives nothing (not even a PING reply) for this long is closed. */
    IDLE_TIMEOUT("idle_timeout");

    /** The metric label. */
    public final String label;

    Limit(String label) {
        this.label = label;
    }
}
