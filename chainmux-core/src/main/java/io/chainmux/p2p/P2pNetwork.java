package io.chainmux.p2p;

import io.chainmux.broker.ConnectionBroker;
import io.chainmux.broker.InboundOpen;
import io.chainmux.broker.LogicalConnection;
import io.chainmux.broker.NetworkHandler;
import io.chainmux.broker.NetworkId;
import io.chainmux.broker.Registration;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.wire.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;

/**
 * One logical P2P network (one chain and protocol): its Accept and Request components.
 *
 * <ul>
 * <li>Request: keeps {@link NetworkConfig#targetDegree()} outgoing sessions running, each with a
 *     different peer, chosen by {@link PeerPicker} (random, weighted by score, optionally
 *     sharing-aware) among peers not in backoff and not cooling down after refusing (busy: for
 *     {@code backoffBase}; unknown network: for {@code backoffMax}).</li>
 * <li>Accept: runs the responder session for inbound connections up to
 *     {@link NetworkConfig#maxInboundSessions()}; beyond that refuses with REFUSED_BUSY and a
 *     {@link BusyDetail} naming alternative peers.</li>
 * <li>Every session is cut at its (jittered) timeout; an exception, a failed stage or a null outcome
 *     is a failure; the peer's score follows the outcome; an ended outgoing session's slot is refilled
 *     after {@link NetworkConfig#restartDelay()}.</li>
 * </ul>
 *
 * <p>Threading: all state is confined to the network's serial executor (the one its sessions'
 * continuations run on); the public getters read thread-safe copies.
 */
public final class P2pNetwork implements NetworkHandler {
    private static final Logger log = LoggerFactory.getLogger(P2pNetwork.class);

    /** A session in progress. */
    private static final class Running {
        final LogicalConnection conn;
        final boolean outbound;
        ScheduledFuture<?> timer;
        boolean done;

        Running(LogicalConnection conn, boolean outbound) {
            this.conn = conn;
            this.outbound = outbound;
        }
    }

    private final NetworkId id;
    private final NetworkConfig config;
    private final ConnectionBroker broker;
    private final PeerDb peers;
    private final Session requester;
    private final Session responder;
    private final Clock clock;
    private final Random random;
    private final PeerPicker picker;
    private final NetworkStats stats = new NetworkStats();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    /** Peers with an outgoing session (or open) on this network: never two at once with one peer. */
    private final Set<PeerId> outgoing = ConcurrentHashMap.newKeySet();
    private Registration registration;

    // ---- confined to the executor
    private final Map<PeerId, Long> cooldownUntil = new HashMap<>();
    private final Set<Running> running = new HashSet<>();
    private ScheduledFuture<?> tick;
    private volatile boolean stopped;

    P2pNetwork(NetworkId id, NetworkConfig config, ConnectionBroker broker, PeerDb peers, Session requester,
               Session responder, Clock clock, Random random) {
        this.id = id;
        this.config = config;
        this.broker = broker;
        this.peers = peers;
        this.requester = requester;
        this.responder = responder;
        this.clock = clock;
        this.random = random;
        this.picker = new PeerPicker(config, random, broker::isConnectedOrDialing, broker::connectedOrDialingPeers);
    }

    void start() {
        registration = broker.register(id, this, config.dispatch());
        execute(this::onTick);
    }

    public NetworkId id() {
        return id;
    }

    public NetworkConfig config() {
        return config;
    }

    /** Messages and payload bytes of this network's logical connections, both directions. */
    public io.chainmux.broker.NetworkTraffic traffic() {
        return registration.traffic();
    }

    public NetworkStats stats() {
        return stats;
    }

    /** Completes the first time the network runs {@link NetworkConfig#targetDegree()} outgoing sessions. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** The peers this network has outgoing sessions (or opens in progress) with. */
    public Set<PeerId> outgoingPeers() {
        return Set.copyOf(outgoing);
    }

    // ------------------------------------------------------------------ request side

    private void onTick() {
        if (stopped) {
            return;
        }
        long now = clock.millis();
        cooldownUntil.values().removeIf(until -> until <= now);
        fill();
        tick = broker.schedule(config.requestInterval(), () -> execute(this::onTick));
    }

    private void fill() {
        int need = config.targetDegree() - outgoing.size();
        if (stopped || need <= 0) {
            return;
        }
        long now = clock.millis();
        List<PeerInfo> candidates = new ArrayList<>();
        for (PeerInfo p : peers.snapshot()) {
            if (eligible(p, now)) {
                candidates.add(p);
            }
        }
        while (need-- > 0) {
            PeerInfo p = picker.pick(candidates);
            if (p == null) {
                return;
            }
            candidates.remove(p);
            startOutgoing(p);
        }
    }

    private boolean eligible(PeerInfo p, long now) {
        return !outgoing.contains(p.id())
                && cooldownUntil.getOrDefault(p.id(), 0L) <= now
                && (p.successiveFailures() == 0
                || now >= p.lastFailure() + config.backoff(p.successiveFailures()).toMillis());
    }

    private void startOutgoing(PeerInfo p) {
        PeerId peer = p.id();
        outgoing.add(peer);
        stats.pendingOutgoing.incrementAndGet();
        peers.sessionStarted(peer);
        broker.open(id, p.address(), config.maxMessageSize()).whenComplete((conn, failure) -> {
            stats.pendingOutgoing.decrementAndGet();
            if (failure != null) {
                openFailed(peer, unwrap(failure));
            } else if (stopped) {
                conn.abort(ErrorCode.CANCEL);
                outgoing.remove(peer);
                peers.sessionEnded(peer);
            } else {
                run(conn, requester, true);
            }
        });
    }

    private void openFailed(PeerId peer, Throwable cause) {
        stats.openFailures.increment();
        outgoing.remove(peer);
        peers.sessionEnded(peer);
        long now = clock.millis();
        if (cause instanceof SessionClosedException closed) {
            ErrorCode code = closed.reason().code();
            switch (code) {
                case REFUSED_BUSY -> {
                    stats.busyReceived.increment();
                    cooldownUntil.put(peer, now + config.backoffBase().toMillis());
                    for (PeerAddress alternative : BusyDetail.decode(closed.reason().detail())) {
                        peers.add(alternative, false);
                    }
                }
                case REFUSED_UNKNOWN_NETWORK -> {
                    // Not now; it may join the network later (or was shutting down), so ask again later.
                    peers.doesNotServe(peer, id);
                    cooldownUntil.put(peer, now + config.backoffMax().toMillis());
                }
                case REFUSED_LIMIT, REFUSED_GOING_AWAY -> cooldownUntil.put(peer, now + config.backoffBase().toMillis());
                default -> peers.failure(peer, false);
            }
        } else if (cause instanceof HandshakeException h && h.reason() == HandshakeException.Reason.UNEXPECTED_PEER) {
            log.info("{}: another node answers at the address of {}; forgetting it", id, peer.shortForm());
            peers.remove(peer);
        } else if (cause instanceof HandshakeException) {
            peers.dialFailed(peer, cause); // shared by every network that waited for this dial
        } else {
            peers.failure(peer, false);
        }
        log.debug("{}: no session with {}: {}", id, peer.shortForm(), cause.toString());
        if (!stopped) {
            execute(this::fill);
        }
    }

    // ------------------------------------------------------------------ accept side

    @Override
    public void onInbound(InboundOpen open) {
        if (stopped) {
            open.refuse(ErrorCode.REFUSED_GOING_AWAY, null);
            return;
        }
        PeerId peer = open.peer();
        PeerAddress advertised = open.peerAddress();
        if (advertised != null) {
            peers.add(advertised.withPeer(peer), false);
        }
        peers.serves(peer, id);
        if (stats.activeInbound.get() >= config.maxInboundSessions()) {
            stats.busyRefused.increment();
            open.refuse(ErrorCode.REFUSED_BUSY, BusyDetail.encode(alternatives(peer)));
            return;
        }
        peers.sessionStarted(peer);
        run(open.accept(config.maxMessageSize()), responder, false);
    }

    /** Peers to suggest instead of us: not the requester, not failing, serving this network first. */
    private List<PeerAddress> alternatives(PeerId requester) {
        List<PeerInfo> good = new ArrayList<>();
        for (PeerInfo p : peers.snapshot()) {
            if (!p.id().equals(requester) && p.successiveFailures() == 0 && p.mayServe(id)) {
                good.add(p);
            }
        }
        Collections.shuffle(good, random);
        good.sort(Comparator.comparing(p -> !p.networks().contains(id))); // stable: keeps the shuffle within groups
        List<PeerAddress> out = new ArrayList<>();
        for (int i = 0; i < good.size() && i < config.busyAlternatives(); i++) {
            out.add(good.get(i).address());
        }
        return out;
    }

    // ------------------------------------------------------------------ sessions

    private void run(LogicalConnection conn, Session session, boolean outbound) {
        Running r = new Running(conn, outbound);
        running.add(r);
        if (outbound) {
            if (stats.activeOutgoing.incrementAndGet() >= config.targetDegree()) {
                ready.complete(null);
            }
        } else {
            stats.activeInbound.incrementAndGet();
        }
        Duration timeout = config.jitteredTimeout(random.nextDouble());
        r.timer = broker.schedule(timeout, () -> execute(() -> end(r, null, null, true)));
        CompletionStage<SessionOutcome> stage;
        try {
            stage = session.run(conn);
            if (stage == null) {
                stage = CompletableFuture.failedStage(new IllegalStateException("the session returned null"));
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            stage = CompletableFuture.failedStage(t);
        }
        stage.whenComplete((outcome, failure) -> execute(() -> end(r, outcome, failure, false)));
    }

    private void end(Running r, SessionOutcome outcome, Throwable failure, boolean timedOut) {
        if (r.done) {
            return; // cut at the timeout before; a late completion changes nothing
        }
        r.done = true;
        running.remove(r);
        if (r.timer != null) {
            r.timer.cancel(false);
        }
        SessionOutcome o;
        if (timedOut) {
            stats.timeouts.increment();
            r.conn.abort(ErrorCode.SESSION_TIMEOUT);
            o = config.timeoutIsSuccess() ? SessionOutcome.ok() : SessionOutcome.failed("session timed out");
        } else {
            r.conn.finish();
            o = outcomeOf(outcome, failure);
        }
        PeerId peer = r.conn.peer();
        peers.sessionEnded(peer);
        if (r.outbound) {
            stats.activeOutgoing.decrementAndGet();
            outgoing.remove(peer);
            if (o.success()) {
                stats.sessionsOk.increment();
                peers.success(peer, id);
            } else {
                stats.sessionsFailed.increment();
                if (o.misbehaved()) {
                    stats.sessionsMisbehaved.increment();
                }
                peers.failure(peer, o.misbehaved());
                log.debug("{}: session with {} failed: {}", id, peer.shortForm(), o.reason());
            }
            scheduleFill(config.restartDelay());
        } else {
            stats.activeInbound.decrementAndGet();
            if (o.success()) {
                stats.inboundOk.increment();
            } else {
                stats.inboundFailed.increment();
                if (o.misbehaved()) {
                    peers.failure(peer, true);
                }
            }
        }
    }

    private static SessionOutcome outcomeOf(SessionOutcome outcome, Throwable failure) {
        if (failure != null) {
            Throwable cause = unwrap(failure);
            if (cause instanceof SessionClosedException closed) {
                return SessionOutcome.failed("connection closed: " + closed.reason());
            }
            return SessionOutcome.failed("session failed: " + cause);
        }
        return outcome != null ? outcome : SessionOutcome.failed("the session completed with a null outcome");
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private void scheduleFill(Duration delay) {
        if (stopped) {
            return;
        }
        if (delay.isZero()) {
            execute(this::fill);
        } else {
            broker.schedule(delay, () -> execute(this::fill));
        }
    }

    private void execute(Runnable task) {
        try {
            registration.executor().execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("{}: executor stopped; dropping a task", id);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Stops the network: no new sessions, inbound opens refused with REFUSED_GOING_AWAY, running
     * sessions cut with CANCEL. Completes once done.
     */
    CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        stopped = true; // stays registered: opens are refused REFUSED_GOING_AWAY, not as unknown
        try {
            registration.executor().execute(() -> {
                if (tick != null) {
                    tick.cancel(false);
                }
                for (Running r : List.copyOf(running)) {
                    r.done = true;
                    if (r.timer != null) {
                        r.timer.cancel(false);
                    }
                    r.conn.abort(ErrorCode.CANCEL);
                    peers.sessionEnded(r.conn.peer());
                }
                running.clear();
                done.complete(null);
            });
        } catch (RejectedExecutionException e) {
            done.complete(null);
        }
        return done;
    }

    @Override
    public String toString() {
        return "P2pNetwork{" + id + ", out=" + stats.activeOutgoing() + ", in=" + stats.activeInbound() + "}";
    }
}
