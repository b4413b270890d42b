package io.chainmux.node.demo;

import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;

import java.util.concurrent.CompletionStage;

/**
 * The accepting side of the small-message network: checks each message's sequence number (a gap, a
 * repeat or an older number counts into {@code lost}) and filler, and echoes it back unchanged.
 */
final class GossipEcho implements Session {
    private final GossipStats stats;
    private final int size;

    GossipEcho(GossipStats stats, int size) {
        this.stats = stats;
        this.size = size;
    }

    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        long[] expected = {0}; // touched only by this session's serial executor
        return Session.replying(m -> {
            stats.received.increment();
            if (!GossipMessage.intact(m, size)) {
                stats.corrupt.increment();
                stats.lost.increment();
                if (m.readableBytes() >= GossipMessage.HEADER && GossipMessage.seq(m) == expected[0]) {
                    expected[0]++; // counted here; the next one is not a gap
                }
            } else {
                long seq = GossipMessage.seq(m);
                if (seq != expected[0]) {
                    stats.lost.add(seq > expected[0] ? seq - expected[0] : 1);
                }
                expected[0] = Math.max(expected[0], seq + 1);
            }
            return m.retainedDuplicate(); // the echo: the same bytes, no copy
        }).run(ctx);
    }
}
