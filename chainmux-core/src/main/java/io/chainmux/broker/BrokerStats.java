package io.chainmux.broker;

import io.chainmux.wire.ErrorCode;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of a {@link ConnectionBroker}; plain getters, safe from any thread. */
public final class BrokerStats {
    final AtomicInteger streams = new AtomicInteger();
    final LongAdder opened = new LongAdder();
    final LongAdder accepted = new LongAdder();
    final LongAdder reused = new LongAdder();
    final LongAdder dialed = new LongAdder();
    private final Map<ErrorCode, LongAdder> refused = new EnumMap<>(ErrorCode.class);

    BrokerStats() {
        for (ErrorCode c : ErrorCode.values()) {
            if (c.isRefusal()) {
                refused.put(c, new LongAdder());
            }
        }
    }

    void countRefusal(ErrorCode code) {
        refused.get(code).increment();
    }

    /** Streams open right now (streams, both directions, not yet closed). */
    public int streams() {
        return streams.get();
    }

    /** Outbound streams requested. */
    public long opened() {
        return opened.sum();
    }

    /** Inbound streams accepted. */
    public long accepted() {
        return accepted.sum();
    }

    /** Outbound opens that found the peer already connected. */
    public long reusedConnections() {
        return reused.sum();
    }

    /** Outbound opens that had to dial the peer first. */
    public long dials() {
        return dialed.sum();
    }

    /** Inbound opens this node refused with {@code code} (a refusal code). */
    public long refused(ErrorCode code) {
        LongAdder a = refused.get(code);
        if (a == null) {
            throw new IllegalArgumentException(code + " is not a refusal code");
        }
        return a.sum();
    }
}
