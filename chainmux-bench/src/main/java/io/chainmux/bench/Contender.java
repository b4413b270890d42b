package io.chainmux.bench;

import io.chainmux.bench.traffic.Meter;

/**
 * A way to move messages from a client to a server over loopback. An implementation only starts
 * itself ({@link #start}); the harness ({@link Measurement}) warms up, measures at the receiver and
 * tears down. To add one: implement this interface and add a line to {@link Contenders}.
 *
 * <p>Rules every contender follows, so the figures compare: its own server and client in this JVM on
 * 127.0.0.1 with an ephemeral port, SEPARATE single-thread event loop groups for server and client
 * (epoll when available), senders that honour backpressure (channel writability, never an unbounded
 * buffer), messages laid out by {@link io.chainmux.bench.traffic.Payloads} and checked in order per
 * stream by the receiver, which reports whole messages and payload bytes to the {@link Meter}.
 */
public interface Contender {
    /** Short name used on the command line, in tables and in JSON, e.g. {@code raw-tcp}. */
    String name();

    /**
     * Starts server and client and begins sending {@code workload}; returns once traffic is under way
     * (or about to be). Receivers report to {@code meter}, and report any error with
     * {@link Meter#fail}. On failure to start, everything already started must be closed.
     */
    Running start(Workload workload, Meter meter) throws Exception;

    /**
     * This contender with its client dialing through a {@link io.chainmux.bench.traffic.DelayLine}
     * that adds {@code oneWay} each way; itself for zero.
     *
     * @throws IllegalArgumentException if it cannot run over a delayed path
     */
    default Contender over(java.time.Duration oneWay) {
        if (oneWay.isZero()) {
            return this;
        }
        throw new IllegalArgumentException(name() + " cannot run over a delayed path (the chainmux contenders can)");
    }

    /** Why this contender cannot run on this machine (a missing tool), or null when it can. */
    default String unavailable() {
        return null;
    }

    /** Whether it runs {@code scenario}; a reference that measures one thing only says no to the others. */
    default boolean supports(Scenario scenario) {
        return true;
    }

    /**
     * Whether all its sending and receiving runs on event-loop threads named {@code <name>-client-...}
     * and {@code <name>-server-...}, so their CPU time is its CPU time (see {@link ThreadCpu}).
     */
    default boolean cpuOnEventLoops() {
        return true;
    }

    /** Payload throughput over one stream; read {@link Sample#megabytesPerSecond()}. */
    default Sample bulk(RunParams params) throws Exception {
        if (params.workload().streams() != 1) {
            throw new IllegalArgumentException("bulk runs over one stream, not " + params.workload().streams());
        }
        return Measurement.measure(this, params);
    }

    /** Message rate over the workload's streams; read {@link Sample#messagesPerSecond()}. */
    default Sample smallMessages(RunParams params) throws Exception {
        return Measurement.measure(this, params);
    }
}
