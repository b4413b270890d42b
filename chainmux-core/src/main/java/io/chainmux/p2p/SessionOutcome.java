package io.chainmux.p2p;

/**
 * How a session ended, as the peer-scoring sees it. {@code misbehaved} marks a failure the peer is
 * to blame for (corrupt data, protocol violation), penalised harder than an ordinary failure.
 */
public record SessionOutcome(boolean success, boolean misbehaved, String reason) {
    public static SessionOutcome ok() {
        return new SessionOutcome(true, false, "ok");
    }

    public static SessionOutcome failed(String reason) {
        return new SessionOutcome(false, false, reason);
    }

    public static SessionOutcome misbehaved(String reason) {
        return new SessionOutcome(false, true, reason);
    }
}
