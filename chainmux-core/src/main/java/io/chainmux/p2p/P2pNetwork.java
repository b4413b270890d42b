package io.chainmux.p2p;

import io.chainmux.broker.ConnectionBroker;
import io.chainmux.broker.InboundOpen;
import io.chainmux.broker.NetworkStream;
import io.chainmux.broker.NetworkHandler;
import io.chainmux.broker.NetworkId;
import io.chainmux.broker.Registration;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.wire.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;

/**
 * One logical P2P network (one chain and protocol): its Accept and Request components.
 *
 * <ul>
 * <li>Request ({@link RequestSide}): keeps {@link NetworkConfig#targetDegree()} outgoing sessions running, each with a
 *     different peer, chosen by {@link NextPeers} and {@link PeerPicker} (random, weighted by score, optionally
 *     sharing-aware) among peers not in backoff and not cooling down after refusing (busy: for
 *     {@code backoffBase}; unknown network: for {@code backoffMax}).</li>
 * <li>Accept: runs the responder session for inbound connections up to
 *     {@link NetworkConfig#maxInboundSessions()}; beyond that refuses with REFUSED_BUSY and a
 *     {@link BusyDetail} naming alternative peers.</li>
 * <li>An outgoing session is cut cleanly (FIN) at its (jittered) timeout, an inbound one only after
 *     1.25 x the longest outgoing timeout; an exception, a failed stage or a null outcome is a failure
 *     (counted by reason); the peer's score follows the outcome; an ended outgoing session's slot is
 *     refilled after {@link NetworkConfig#restartDelay()}. Below its degree the request side looks for
 *     peers when something may have changed, not on a fixed tick.</li>
 * </ul>
 *
 * <p>Threading: all state is confined to the network's serial executor (the one its sessions'
 * continuations run on); the public getters read thread-safe copies.
 */
public final class P2pNetwork implements NetworkHandler {
    private static final Logger log = LoggerFactory.getLogger(P2pNetwork.class);
    /** Longest pause between looks for peers while below the degree with nothing else to wake us. */
    static final Duration IDLE_RECHECK = Duration.ofSeconds(30);

    private final NetworkId id;
    private final NetworkConfig config;
    private final ConnectionBroker broker;
    private final PeerDb peers;
    /** Runs on outgoing streams. */
    private final Session requester;
    private final Session responder;
    private final Clock clock;
    private final Random random;
    private final InboundSlots inboundSlots;
    private final NetworkStats stats = new NetworkStats();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final RequestSide request;
    private Registration registration;

    // ---- confined to the executor
    /** The running sessions: a singly linked list through {@link RunningSession#next}. */
    private RunningSession running;
    /**
     * One timer per network for the session timeouts, armed for the earliest deadline: a scheduled task
     * per session costs ~130 bytes of heap and a timer-queue entry, 8,000 of them at 1000 networks.
     */
    private ScheduledFuture<?> cutTimer;
    /** The cut timer's time, in {@link RunningSession#millis}. */
    private int cutAt;
    private volatile boolean stopped;

    P2pNetwork(NetworkId id, NetworkConfig config, ConnectionBroker broker, PeerDb peers, InboundShares shares,
               StartPacer pacer, Session requester, Session responder, Clock clock, Random random) {
        this.inboundSlots = new InboundSlots(config, shares);
        this.id = id;
        this.config = config;
        this.broker = broker;
        this.peers = peers;
        this.requester = requester;
        this.responder = responder;
        this.clock = clock;
        this.random = random;
        this.request = new RequestSide(this, config, broker, peers, pacer, clock,
                new NextPeers(config, random, broker::isConnectedOrDialing, broker::connectedOrDialingPeers));
    }

    void start() {
        registration = broker.register(id, this, config.dispatch());
        execute(request::fill);
    }

    public NetworkId id() {
        return id;
    }

    public NetworkConfig config() {
        return config;
    }

    /** Messages and payload bytes of this network's streams, both directions. */
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
        return request.outgoingPeers();
    }

    // ------------------------------------------------------------------ accept side

    @Override
    public void onInbound(InboundOpen open) {
        if (stopped) {
            open.refuse(ErrorCode.REFUSED_GOING_AWAY, null);
            return;
        }
        PeerId peer = open.peer();
        InetSocketAddress remote = open.remoteAddress();
        InetAddress from = remote == null ? null : remote.getAddress();
        PeerAddress advertised = open.peerAddress();
        if (advertised != null) {
            peers.learn(advertised.withPeer(peer), peer, from);
        }
        peers.serves(peer, id);
        InboundSlots.Refusal refusal = inboundSlots.tryTake(peer, from);
        if (refusal == InboundSlots.Refusal.FULL && cutSilent()) {
            refusal = inboundSlots.tryTake(peer, from);
        }
        if (refusal == InboundSlots.Refusal.FULL) {
            stats.busyRefused.increment();
            open.refuse(ErrorCode.REFUSED_BUSY, BusyDetail.encode(alternatives(peer)));
            return;
        }
        if (refusal == InboundSlots.Refusal.SHARE) {
            stats.shareRefused.increment();
            log.debug("{}: refusing an open from {}: {}", id, peer.shortForm(), inboundSlots.lastReason());
            open.refuse(ErrorCode.REFUSED_LIMIT, null);
            return;
        }
        peers.sessionStarted(peer);
        run(open.accept(config.maxMessageSize()), responder, false, from);
    }

    /**
     * The network is full and a peer wants a slot: cuts the oldest inbound session that has received
     * nothing within {@link NetworkConfig#firstRequestTimeout()} of its accept, since it only holds a
     * slot. Cut only when a slot is wanted, so a node too loaded to see a first request in time (a
     * thousand networks starting at once) does not cut honest sessions for nothing.
     *
     * @return true if a session was cut (its slot is free)
     */
    private boolean cutSilent() {
        if (config.firstRequestTimeout().isZero()) {
            return false;
        }
        int now = RunningSession.millis(System.nanoTime());
        long deadline = config.firstRequestTimeout().toMillis();
        // An inbound session started its fixed timeout before its deadline (no start time kept per session).
        int inbound = (int) Duration.ofNanos(inboundTimeoutNanos()).toMillis();
        RunningSession oldest = null;
        for (RunningSession r = running; r != null; r = r.next) {
            if (!r.outbound() && !r.done() && now - (r.deadline - inbound) >= deadline && !r.conn.hasReceived()
                    && (oldest == null || r.deadline - oldest.deadline < 0)) {
                oldest = r;
            }
        }
        if (oldest == null) {
            return false;
        }
        stats.silentCut.increment();
        log.debug("{}: cutting the session of {} for a newcomer: no request within {} ms", id,
                oldest.conn.peer().shortForm(), config.firstRequestTimeout().toMillis());
        oldest.conn.abort(ErrorCode.SESSION_TIMEOUT);
        end(oldest, SessionOutcome.failed("no request within " + config.firstRequestTimeout().toMillis() + " ms"),
                null, false);
        return true;
    }

    /**
     * Peers to suggest instead of us: not the requester, not failing, and known to work (a session
     * succeeded, or the operator named it), so we never pass on addresses others fed us; serving
     * this network first.
     */
    private List<PeerAddress> alternatives(PeerId requester) {
        List<PeerInfo> good = new ArrayList<>();
        for (PeerInfo p : peers.snapshot()) {
            if (!p.id().equals(requester) && p.successiveFailures() == 0 && p.mayServe(id)
                    && (p.successes() > 0 || p.sticky())) {
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

    private RunningSession run(NetworkStream conn, Session session, boolean outbound, InetAddress from) {
        RunningSession r = outbound ? new RunningSession(conn) : new RunningSession.Inbound(conn, from);
        link(r);
        if (outbound) {
            if (stats.activeOutgoing.incrementAndGet() >= config.targetDegree()) {
                ready.complete(null);
            }
        } else {
            stats.activeInbound.incrementAndGet();
        }
        // The requester ends a session at its timeout; an inbound one is cut only later (a requester
        // that never ends), so an honest session ends once, by the side that opened it.
        long timeout = outbound ? config.jitteredTimeout(random.nextDouble()).toNanos() : inboundTimeoutNanos();
        r.deadline = RunningSession.millis(System.nanoTime() + timeout);
        armCutTimer(r.deadline);
        try {
            session.run(conn, r); // by callback: no stage, no dependent per running session
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            r.accept(null, t); // a session that reported already keeps its outcome (end() runs once)
        }
        return r;
    }

    /** An inbound session's timeout, the same for every one: the longest a requester's may be, and a quarter. */
    private long inboundTimeoutNanos() {
        return config.jitteredTimeout(1.0).multipliedBy(5).dividedBy(4).toNanos();
    }

    private void link(RunningSession r) {
        r.next = running;
        running = r;
    }

    /** Takes {@code r} out of the list, if it is in it (a network runs a handful of sessions: the walk is short). */
    private void unlink(RunningSession r) {
        if (running == r) {
            running = r.next;
        } else {
            for (RunningSession p = running; p != null; p = p.next) {
                if (p.next == r) {
                    p.next = r.next;
                    break;
                }
            }
        }
        r.next = null;
    }

    private void end(RunningSession r, SessionOutcome outcome, Throwable failure, boolean timedOut) {
        if (r.done()) {
            return; // cut at the timeout before; a late completion changes nothing
        }
        unlink(r); // the cut timer, armed for the earliest deadline, rearms itself when it fires
        r.markDone();
        SessionOutcome o;
        if (timedOut) {
            stats.timeouts.increment();
            r.conn.finish(); // FIN: an ordinary end, not a reset (resets at 1000 networks read as abuse)
            o = config.timeoutIsSuccess() ? SessionOutcome.ok() : SessionOutcome.failed("session timed out");
        } else {
            r.conn.finish();
            o = SessionFailures.outcomeOf(outcome, failure);
        }
        PeerId peer = r.conn.peer();
        peers.sessionEnded(peer);
        if (r.outbound()) {
            stats.activeOutgoing.decrementAndGet();
            request.removeOutgoing(peer);
            if (o.success()) {
                stats.sessionsOk.increment();
                peers.success(peer, id);
            } else {
                stats.failed(SessionFailures.failureReason(r, o, failure, timedOut));
                if (o.misbehaved()) {
                    stats.sessionsMisbehaved.increment();
                }
                if (!o.misbehaved() && SessionFailures.lostConnection(r, failure)) {
                    peers.connectionLost(peer);
                } else {
                    peers.sessionFailed(peer, o.misbehaved());
                }
                log.debug("{}: session with {} failed: {}", id, peer.shortForm(), o.reason());
            }
            request.scheduleFill(config.restartDelay());
        } else {
            stats.activeInbound.decrementAndGet();
            inboundSlots.release(peer, r.from());
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

    /** Makes sure the cut timer fires by {@code deadline}. */
    private void armCutTimer(int deadline) {
        if (cutTimer != null && cutAt - deadline <= 0) {
            return;
        }
        if (cutTimer != null) {
            cutTimer.cancel(false);
        }
        cutAt = deadline;
        // from now rounded up: never early, so the deadline has passed when it fires
        cutTimer = broker.schedule(Duration.ofMillis(Math.max(0, deadline - RunningSession.millis(System.nanoTime()) + 1)),
                () -> execute(this::cutExpired));
    }

    /** Ends every session past its deadline (a timeout: FIN), then rearms for the next deadline. */
    private void cutExpired() {
        cutTimer = null;
        if (stopped) {
            return;
        }
        int now = RunningSession.millis(System.nanoTime());
        boolean any = false;
        int next = 0;
        for (RunningSession r = running, after; r != null; r = after) {
            after = r.next; // ending r unlinks it
            if (r.deadline - now <= 0) {
                end(r, null, null, true);
            } else if (!any || r.deadline - next < 0) {
                any = true;
                next = r.deadline;
            }
        }
        if (any) {
            armCutTimer(next);
        }
    }

    /** An outgoing stream opened: runs the requester on it. */
    void runOutgoing(NetworkStream conn) {
        run(conn, requester, true, null);
    }

    /** A session's stage completed (on any thread). */
    void completed(RunningSession r, SessionOutcome outcome, Throwable failure) {
        execute(() -> end(r, outcome, failure, false));
    }

    boolean stopped() {
        return stopped;
    }

    Executor executor() {
        return registration.executor();
    }

    void execute(Runnable task) {
        try {
            registration.executor().execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("{}: executor stopped; dropping a task", id);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Stops the network: no new sessions, inbound opens refused with REFUSED_GOING_AWAY, running
     * sessions ended with FIN (a node stopping resets nothing: thousands of CANCELs on young streams
     * would read as a rapid reset to its peers). Completes once done.
     */
    CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        stopped = true; // stays registered: opens are refused REFUSED_GOING_AWAY, not as unknown
        try {
            registration.executor().execute(() -> {
                request.cancelTick();
                request.releasePermits();
                if (cutTimer != null) {
                    cutTimer.cancel(false);
                    cutTimer = null;
                }
                for (RunningSession r = running, after; r != null; r = after) {
                    after = r.next;
                    r.markDone(); // the list goes as a whole
                    r.conn.finish();
                    peers.sessionEnded(r.conn.peer());
                    if (!r.outbound()) {
                        inboundSlots.release(r.conn.peer(), r.from());
                    }
                }
                running = null;
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
