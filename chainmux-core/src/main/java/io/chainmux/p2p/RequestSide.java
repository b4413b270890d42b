package io.chainmux.p2p;

import io.chainmux.broker.ConnectionBroker;
import io.chainmux.broker.Dispatch;
import io.chainmux.broker.NetworkId;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.MuxConnection;
import io.chainmux.wire.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Predicate;

/**
 * A network's Request component: keeps {@link NetworkConfig#targetDegree()} outgoing sessions running,
 * each with a different peer, chosen by {@link NextPeers} among peers not in backoff and not cooling
 * down after refusing; paced by the node's {@link StartPacer} (not for {@link Dispatch#PRIORITY}
 * networks); below its degree it looks for peers when something may have changed, not on a fixed tick.
 *
 * <p>Threading: confined to the network's serial executor, but {@link #outgoingPeers()}, which reads a
 * copy-on-write array.
 */
final class RequestSide {
    private static final Logger log = LoggerFactory.getLogger(P2pNetwork.class);

    private final P2pNetwork network;
    private final NetworkId id;
    private final NetworkConfig config;
    private final ConnectionBroker broker;
    private final PeerDb peers;
    private final Clock clock;
    private final NetworkStats stats;
    private final NextPeers nextPeers;
    /** The node's pacing of session starts; null for a {@link Dispatch#PRIORITY} network (not paced). */
    private final StartPacer pacer;
    /**
     * Peers with an outgoing session (or open) on this network: never two at once with one peer. A
     * copy-on-write array (changed only when a session starts or ends, read by other threads): a
     * concurrent set costs a node of 32 bytes per session, 8,000 of them at 1000 networks.
     */
    private volatile PeerId[] outgoing = new PeerId[0];

    // ---- confined to the executor
    private final Map<PeerId, Long> cooldownUntil = new HashMap<>();
    private ScheduledFuture<?> tick;
    /** A callback waits for the peer database to grow. */
    private boolean waitingForPeers;
    /** Start permits held for slots about to be filled (see {@link StartPacer}). */
    private int permits;
    /** Queued at the pacer for a permit. */
    private boolean waitingForStart;

    RequestSide(P2pNetwork network, NetworkConfig config, ConnectionBroker broker, PeerDb peers, StartPacer pacer,
                Clock clock, NextPeers nextPeers) {
        this.network = network;
        this.id = network.id();
        this.config = config;
        this.broker = broker;
        this.peers = peers;
        this.pacer = config.dispatch() == Dispatch.PRIORITY ? null : pacer;
        this.clock = clock;
        this.stats = network.stats();
        this.nextPeers = nextPeers;
    }

    /** The peers this network has outgoing sessions (or opens in progress) with. */
    Set<PeerId> outgoingPeers() {
        return Set.of(outgoing);
    }

    /**
     * Fills free outgoing slots, then plans the next look only if slots are still free: when a peer's
     * backoff or cooldown ends, when the peer database grows, and at the latest after
     * {@link P2pNetwork#IDLE_RECHECK} (scores, sharing bias). A network at its degree schedules nothing: a
     * session's end refills its slot. So an idle node does not poll per network.
     */
    void fill() {
        if (network.stopped()) {
            releasePermits();
            return;
        }
        long now = clock.millis();
        cooldownUntil.values().removeIf(until -> until <= now);
        int need = config.targetDegree() - outgoing.length;
        if (need <= 0) {
            cancelTick();
            releasePermits();
            return;
        }
        List<PeerInfo> snapshot = peers.snapshot();
        long nextEligible = Long.MAX_VALUE;
        for (PeerInfo p : snapshot) {
            long at = eligibleAt(p);
            if (at > now && !isOutgoing(p.id())) {
                nextEligible = Math.min(nextEligible, at);
            }
        }
        Predicate<PeerId> unavailable = p -> isOutgoing(p) || cooldownUntil.getOrDefault(p, 0L) > now;
        int allowed = need;
        if (pacer != null) {
            int startable = Math.min(need, nextPeers.eligible(snapshot, now, unavailable));
            if (permits < startable && !waitingForStart) {
                int wanted = startable - permits;
                int got = pacer.acquireOrWait(wanted, this::startGranted);
                permits += got;
                waitingForStart = got < wanted; // queued: a permit wakes us, one per turn
            }
            allowed = Math.min(need, permits);
        }
        need -= nextPeers.fill(allowed, snapshot, now, unavailable, this::startOutgoing);
        releasePermits(); // no eligible peer for them now
        if (need <= 0) {
            cancelTick();
            return;
        }
        long delay = Math.min(P2pNetwork.IDLE_RECHECK.toMillis(), Math.max(config.requestInterval().toMillis(),
                nextEligible == Long.MAX_VALUE ? Long.MAX_VALUE : nextEligible - now));
        cancelTick();
        tick = broker.schedule(Duration.ofMillis(delay), () -> network.execute(this::fill));
        if (!waitingForPeers) {
            waitingForPeers = true;
            peers.whenSize(snapshot.size() + 1).thenRun(() -> network.execute(() -> {
                waitingForPeers = false;
                fill();
            }));
        }
    }

    /** The pacer handed us a permit (on any thread): fill a slot with it on our executor. */
    private void startGranted() {
        try {
            network.executor().execute(() -> {
                waitingForStart = false;
                permits++;
                fill();
            });
        } catch (RejectedExecutionException e) {
            pacer.release(); // stopped: nobody will use it
        }
    }

    void releasePermits() {
        for (; permits > 0; permits--) {
            pacer.release();
        }
    }

    void cancelTick() {
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
    }

    private boolean isOutgoing(PeerId peer) {
        for (PeerId p : outgoing) {
            if (p.equals(peer)) {
                return true;
            }
        }
        return false;
    }

    private synchronized void addOutgoing(PeerId peer) {
        if (!isOutgoing(peer)) {
            PeerId[] now = Arrays.copyOf(outgoing, outgoing.length + 1);
            now[now.length - 1] = peer;
            outgoing = now;
        }
    }

    synchronized void removeOutgoing(PeerId peer) {
        PeerId[] was = outgoing;
        for (int i = 0; i < was.length; i++) {
            if (was[i].equals(peer)) {
                PeerId[] now = new PeerId[was.length - 1];
                System.arraycopy(was, 0, now, 0, i);
                System.arraycopy(was, i + 1, now, i, was.length - i - 1);
                outgoing = now;
                return;
            }
        }
    }

    /** When a peer becomes eligible (cooldown and backoff over; {@link NextPeers} applies the same rules). */
    private long eligibleAt(PeerInfo p) {
        long at = cooldownUntil.getOrDefault(p.id(), 0L);
        if (p.successiveFailures() > 0) {
            at = Math.max(at, p.lastFailure() + config.backoff(p.successiveFailures()).toMillis());
        }
        return at;
    }

    private void startOutgoing(PeerInfo p) {
        PeerId peer = p.id();
        boolean paced = pacer != null;
        addOutgoing(peer);
        stats.pendingOutgoing.incrementAndGet();
        peers.sessionStarted(peer);
        // The open holds its permit until the peer accepts or refuses, but one that waits for a dial
        // only up to StartPacer.DIAL_HOLD: a dead peer's dial must not hold it for connectTimeout or
        // handshakeTimeout while other networks' starts wait.
        StartPacer.DialHold dialHold = null;
        if (paced) {
            permits--;
            if (broker.opensAfterDial(peer)) {
                dialHold = pacer.dialHold(broker::schedule);
            }
        }
        StartPacer.DialHold hold = dialHold;
        broker.open(id, p.address(), config.maxMessageSize()).whenComplete((conn, failure) -> {
            stats.pendingOutgoing.decrementAndGet();
            if (hold != null) {
                hold.openDecided();
            } else if (paced) {
                pacer.release();
            }
            if (failure != null) {
                openFailed(peer, SessionFailures.unwrap(failure));
            } else if (network.stopped()) {
                conn.finish(); // FIN, not a reset the peer would count as premature
                removeOutgoing(peer);
                peers.sessionEnded(peer);
            } else {
                network.runOutgoing(conn);
            }
        });
    }

    private void openFailed(PeerId peer, Throwable cause) {
        stats.openFailures.increment();
        removeOutgoing(peer);
        peers.sessionEnded(peer);
        long now = clock.millis();
        if (cause instanceof SessionClosedException closed) {
            ErrorCode code = closed.reason().code();
            switch (code) {
                case REFUSED_BUSY -> {
                    stats.busyReceived.increment();
                    cooldownUntil.put(peer, now + config.backoffBase().toMillis());
                    InetAddress from = remoteIp(peer);
                    for (PeerAddress alternative : BusyDetail.decode(closed.reason().detail())) {
                        peers.learn(alternative, peer, from); // scope-checked, within peer's budget
                    }
                }
                case REFUSED_UNKNOWN_NETWORK -> {
                    // Not now; it may join the network later (or was shutting down), so ask again later.
                    peers.doesNotServe(peer, id);
                    cooldownUntil.put(peer, now + config.backoffMax().toMillis());
                }
                case REFUSED_LIMIT, REFUSED_GOING_AWAY -> cooldownUntil.put(peer, now + config.backoffBase().toMillis());
                default -> {
                    if (SessionFailures.isLost(closed.reason())) {
                        peers.connectionLost(peer); // the open was on a connection that broke: dial again
                    } else {
                        peers.failure(peer, false);
                    }
                }
            }
        } else if (cause instanceof HandshakeException h && h.reason() == HandshakeException.Reason.UNEXPECTED_PEER) {
            boolean forgot = peers.addressTaken(peer);
            log.info("{}: another node answers at the address of {}{}", id, peer.shortForm(),
                    forgot ? "; forgetting it" : "; it has worked before, so it is only charged a failure");
        } else if (cause instanceof HandshakeException) {
            peers.dialFailed(peer, cause); // shared by every network that waited for this dial
        } else {
            peers.failure(peer, false);
        }
        log.debug("{}: no session with {}: {}", id, peer.shortForm(), cause.toString());
        if (cause instanceof SessionClosedException closed && SessionFailures.isLost(closed.reason())) {
            scheduleFill(config.restartDelay()); // no backoff, but no tight loop on a connection going down
        } else if (!network.stopped()) {
            network.execute(this::fill);
        }
    }

    /** The IP address of a connection to {@code peer}, or null if none is up. */
    private InetAddress remoteIp(PeerId peer) {
        PeerConnection pc = broker.endpoint().peer(peer);
        if (pc != null) {
            for (MuxConnection c : pc.stripedConnections()) {
                if (c.channel() != null && c.channel().remoteAddress() instanceof InetSocketAddress a) {
                    return a.getAddress();
                }
            }
        }
        return null;
    }

    void scheduleFill(Duration delay) {
        if (network.stopped()) {
            return;
        }
        if (delay.isZero()) {
            network.execute(this::fill);
        } else {
            broker.schedule(delay, () -> network.execute(this::fill));
        }
    }
}
