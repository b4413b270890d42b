package io.chainmux.broker;

/**
 * Which worker pool runs a network's events and session code. Every network's events run serially
 * on its own executor; the pool only decides whose turn it is when all workers are busy.
 */
public enum Dispatch {
    /** The shared pool ({@link BrokerConfig#workerThreads()}), taking turns with every other network. */
    SHARED,
    /**
     * A small separate pool ({@link BrokerConfig#priorityWorkerThreads()}) for latency-sensitive
     * networks (gossip, pings, consensus messages): their events never wait behind bulk networks'
     * queued work, such as hashing a catch-up's blocks. Keep such networks' handlers short. Their
     * outbound streams open as {@link io.chainmux.endpoint.TrafficClass#LATENCY_SENSITIVE}, so with
     * several stripes per peer they stay off a stripe that carries bulk.
     */
    PRIORITY
}
