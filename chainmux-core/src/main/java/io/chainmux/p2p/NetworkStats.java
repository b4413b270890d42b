package io.chainmux.p2p;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one {@link P2pNetwork}; plain getters, safe from any thread. */
public final class NetworkStats {
    final AtomicInteger activeOutgoing = new AtomicInteger();
    final AtomicInteger pendingOutgoing = new AtomicInteger();
    final AtomicInteger activeInbound = new AtomicInteger();
    final LongAdder sessionsOk = new LongAdder();
    final LongAdder sessionsFailed = new LongAdder();
    final LongAdder sessionsMisbehaved = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder openFailures = new LongAdder();
    final LongAdder busyReceived = new LongAdder();
    final LongAdder inboundOk = new LongAdder();
    final LongAdder inboundFailed = new LongAdder();
    final LongAdder busyRefused = new LongAdder();
    final LongAdder shareRefused = new LongAdder();
    final LongAdder silentCut = new LongAdder();
    /** Failed outgoing sessions by reason category (a few fixed strings and error-code names). */
    private final Map<String, LongAdder> failureReasons = new ConcurrentHashMap<>();

    void failed(String reason) {
        sessionsFailed.increment();
        failureReasons.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /**
     * Failed outgoing sessions by reason, sorted by reason; the counts add up to {@link #sessionsFailed()}.
     * Reasons: {@code closed: CODE} (the connection was reset or lost with that error code),
     * {@code misbehaved} (the peer broke the session's protocol), {@code timeout} (cut at the timeout when
     * timeouts are not a success), {@code error: Type} (the session threw), {@code failed} (the session
     * reported a failure of its own: its reason is logged at debug level).
     */
    public Map<String, Long> failuresByReason() {
        Map<String, Long> out = new TreeMap<>();
        failureReasons.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Outgoing sessions running now (the peer accepted; the session has not ended). */
    public int activeOutgoing() {
        return activeOutgoing.get();
    }

    /** Outgoing opens in progress (dialing or waiting for the peer's accept). */
    public int pendingOutgoing() {
        return pendingOutgoing.get();
    }

    /** Inbound (responder) sessions running now. */
    public int activeInbound() {
        return activeInbound.get();
    }

    /** Outgoing sessions that ended in success (including timeouts when they count as success). */
    public long sessionsOk() {
        return sessionsOk.sum();
    }

    /** Outgoing sessions that failed: an error outcome, an exception, a lost connection. */
    public long sessionsFailed() {
        return sessionsFailed.sum();
    }

    /** Of the failed outgoing sessions, those whose peer misbehaved. */
    public long sessionsMisbehaved() {
        return sessionsMisbehaved.sum();
    }

    /** Sessions (either direction) cut at the session timeout. */
    public long timeouts() {
        return timeouts.sum();
    }

    /** Outgoing opens that did not lead to a session: dial failures and refusals. */
    public long openFailures() {
        return openFailures.sum();
    }

    /** Outgoing opens the peer refused as busy. */
    public long busyReceived() {
        return busyReceived.sum();
    }

    public long inboundOk() {
        return inboundOk.sum();
    }

    public long inboundFailed() {
        return inboundFailed.sum();
    }

    /** Inbound opens this network refused as busy (at its inbound session limit). */
    public long busyRefused() {
        return busyRefused.sum();
    }

    /**
     * Inbound opens refused (REFUSED_LIMIT) because the peer, or its address, already held its share of
     * this network's or the node's inbound slots.
     */
    public long shareRefused() {
        return shareRefused.sum();
    }

    /**
     * Inbound sessions cut for a newcomer because no request had arrived within
     * {@link NetworkConfig#firstRequestTimeout()}.
     */
    public long silentCut() {
        return silentCut.sum();
    }
}
