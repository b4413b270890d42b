package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of an endpoint; thread-safe, cheap to update, read by the metrics layer. */
public final class EndpointStats {
    private final Map<HandshakeException.Reason, LongAdder> handshakeFailures =
            new EnumMap<>(HandshakeException.Reason.class);
    private final Map<Limit, LongAdder> limitHits = new EnumMap<>(Limit.class);
    final LongAdder handshakesCompleted = new LongAdder();
    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder connectionsDialed = new LongAdder();
    final LongAdder connectionsLost = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder unusedClosed = new LongAdder();

    EndpointStats() {
        for (HandshakeException.Reason r : HandshakeException.Reason.values()) {
            handshakeFailures.put(r, new LongAdder());
        }
        for (Limit l : Limit.values()) {
            limitHits.put(l, new LongAdder());
        }
    }

    void handshakeFailed(HandshakeException.Reason reason) {
        handshakeFailures.get(reason).increment();
    }

    void limitHit(Limit limit) {
        limitHits.get(limit).increment();
    }

    public long handshakeFailures(HandshakeException.Reason reason) {
        return handshakeFailures.get(reason).sum();
    }

    public long limitHits(Limit limit) {
        return limitHits.get(limit).sum();
    }

    public long handshakesCompleted() {
        return handshakesCompleted.sum();
    }

    public long connectionsAccepted() {
        return connectionsAccepted.sum();
    }

    public long connectionsDialed() {
        return connectionsDialed.sum();
    }

    public long connectionsLost() {
        return connectionsLost.sum();
    }

    public long reconnects() {
        return reconnects.sum();
    }

    /** Peer connections closed because no stream used them for {@link EndpointConfig#unusedConnectionTimeout()}. */
    public long unusedClosed() {
        return unusedClosed.sum();
    }
}
