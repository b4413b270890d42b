package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.mux.CloseReason;
import io.chainmux.wire.ErrorCode;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Redialing one peer's lost stripes, with backoff per stripe index up to
 * {@link EndpointConfig#reconnect()}, and the record of the last dial that failed (logged at most
 * once a minute per peer). Part of its {@link PeerConnection}: its state is guarded by that peer
 * connection's monitor; the methods marked so must be called holding it.
 */
final class PeerRedials {
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final PeerConnection peer;
    private final Endpoint endpoint;
    /** Redials tried per stripe index since it was last established. */
    private final int[] attempts;
    /** The redial scheduled per stripe index, or null. */
    private final ScheduledFuture<?>[] scheduled;
    /** Why our last dial failed, and when (epoch millis); null if none did. */
    private String lastFailure;
    private long lastFailureMillis;
    /** When a dial failure was last logged (nanoTime), so a peer that stays down logs once a minute. */
    private long failureLoggedNanos;
    private boolean failureLogged;

    PeerRedials(PeerConnection peer, Endpoint endpoint, int stripeIndexes) {
        this.peer = peer;
        this.endpoint = endpoint;
        this.attempts = new int[stripeIndexes];
        this.scheduled = new ScheduledFuture<?>[stripeIndexes];
    }

    // ------------------------------------------------------------------ under the peer connection's monitor

    /** Stripe {@code index} is established: its backoff starts over, and a new outage is logged at once. */
    void stripeUp(int index) {
        assert Thread.holdsLock(peer);
        attempts[index] = 0;
        failureLogged = false;
    }

    /** Records a dial of ours that failed (not a crossing); true if it is to be logged now. */
    boolean recordFailure(HandshakeException failure) {
        assert Thread.holdsLock(peer);
        long now = System.nanoTime();
        lastFailure = failure.getMessage();
        lastFailureMillis = System.currentTimeMillis();
        boolean log = !failureLogged || now - failureLoggedNanos >= FAILURE_LOG_INTERVAL_NANOS;
        if (log) {
            failureLogged = true;
            failureLoggedNanos = now;
        }
        return log;
    }

    String lastFailure() {
        assert Thread.holdsLock(peer);
        return lastFailure;
    }

    long lastFailureMillis() {
        assert Thread.holdsLock(peer);
        return lastFailureMillis;
    }

    /** Cancels every scheduled redial. */
    void cancelAll() {
        assert Thread.holdsLock(peer);
        for (int i = 0; i < scheduled.length; i++) {
            if (scheduled[i] != null) {
                scheduled[i].cancel(false);
                scheduled[i] = null;
            }
        }
    }

    /** Whether a redial is scheduled for some stripe. */
    boolean pending() {
        assert Thread.holdsLock(peer);
        for (ScheduledFuture<?> f : scheduled) {
            if (f != null) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ outside the monitor

    /** Logs a dial failure {@link #recordFailure} chose to log; outside the monitor. */
    void logFailure(HandshakeException failure) {
        Endpoint.log.warn("cannot reach peer {} ({}): {}; logged at most once a minute per peer, "
                + "`chainmux peers` shows the last reason", peer.peerId().shortForm(), failure.reason(),
                failure.getMessage());
    }

    /** Schedules a redial of stripe {@code index} after its backoff, if the peer is wanted and the stripe is down. */
    void schedule(int index) {
        assert !Thread.holdsLock(peer);
        CloseReason down = scheduleLocked(index);
        if (down != null) { // the listener is called outside the monitor: it may call back in
            endpoint.peerDown(peer, down);
        }
    }

    /** Schedules a redial; returns why the peer is down if the redials are used up and none is left. */
    private CloseReason scheduleLocked(int index) {
        synchronized (peer) {
            if (!peer.isWanted() || peer.address() == null || peer.hasStripe(index) || scheduled[index] != null) {
                return null;
            }
            int attempt = attempts[index]++;
            if (attempt >= endpoint.config().reconnect().maxAttempts()) {
                Endpoint.log.warn("giving up on stripe {} of peer {} after {} attempts", index,
                        peer.peerId().shortForm(), attempt);
                return peer.stripeCount() == 0 ? CloseReason.local(ErrorCode.CONNECTION_LOST,
                        "could not reconnect after " + attempt + " attempts") : null;
            }
            Duration delay = endpoint.config().reconnect().delay(attempt);
            scheduled[index] = endpoint.schedule(() -> {
                synchronized (peer) {
                    scheduled[index] = null;
                }
                endpoint.redial(peer, index);
            }, delay.toNanos());
            return null;
        }
    }

    /**
     * After losing a crossing we wait for the peer's connection; if it has not arrived within the
     * handshake timeout (the peer's dial failed), we dial again rather than wait forever, or, for a
     * peer nobody keeps up, fail whoever waits for it.
     */
    void expectWinner(int index) {
        endpoint.schedule(() -> {
            boolean again;
            List<CompletableFuture<PeerConnection>> fail = List.of();
            synchronized (peer) {
                boolean nothing = peer.stripeIdle(index);
                again = nothing && peer.isWanted();
                if (nothing && !peer.isWanted()) {
                    fail = peer.takeWaitersIfDown();
                }
            }
            if (!fail.isEmpty()) {
                HandshakeException gone = HandshakeException.of(Reason.CROSSED,
                        "lost a crossed dial on stripe %d, and %s's own connection did not follow", index,
                        peer.peerId().shortForm());
                fail.forEach(f -> f.completeExceptionally(gone));
            }
            if (again) {
                schedule(index);
            }
        }, endpoint.config().handshakeTimeout().toNanos());
    }
}
