package io.chainmux.endpoint;

/** What a new stream carries, as far as placing it on a stripe goes. */
public enum TrafficClass {
    /** Anything: blocks, catch-up, requests. */
    ORDINARY,
    /**
     * Small messages whose delay matters (gossip, pings, consensus): kept off stripes that carry bulk
     * traffic when the peer has another, so they do not wait behind a catch-up's bytes.
     */
    LATENCY_SENSITIVE
}
