package io.chainmux.p2p;

import io.chainmux.broker.ConnectionBroker;
import io.chainmux.broker.Dispatch;
import io.chainmux.broker.InboundOpen;
import io.chainmux.broker.NetworkStream;
import io.chainmux.broker.NetworkHandler;
import io.chainmux.broker.NetworkId;
import io.chainmux.broker.Registration;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConnection;
import io.chainmux.wire.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * One logical P2P network (one chain and protocol): its Accept and Request components.
 *
 * <ul>
 * <li>Request: keeps {@link NetworkConfig#targetDegree()} outgoing sessions running, each with a
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

    /**
     * A session in progress; also the callback of its completion, and a link of the list of running
     * sessions (no set entry, no lambda: 8,000 of these at rest on a node of 1000 networks).
     */
    private final class Running implements BiConsumer<SessionOutcome, Throwable> {
        final NetworkStream conn;
        final boolean outbound;
        /** System.nanoTime() at which the network cuts it (see {@link #cutExpired()}). */
        long deadline;
        /** For an inbound session: the remote address its slot is counted under (may be null). */
        final InetAddress from;
        /** When it started (nanos), for the first-request deadline. */
        final long startNanos = System.nanoTime();
        boolean done;
        /** Neighbours in the list of running sessions (see {@link #running}). */
        Running prev;
        Running next;

        Running(NetworkStream conn, boolean outbound, InetAddress from) {
            this.conn = conn;
            this.outbound = outbound;
            this.from = from;
        }

        /** The session's stage completed (on any thread). */
        @Override
        public void accept(SessionOutcome outcome, Throwable failure) {
            execute(() -> end(this, outcome, failure, false));
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
    private final NextPeers nextPeers;
    private final InboundSlots inboundSlots;
    /** The node's pacing of session starts; null for a {@link Dispatch#PRIORITY} network (not paced). */
    private final StartPacer pacer;
    private final NetworkStats stats = new NetworkStats();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    /**
     * Peers with an outgoing session (or open) on this network: never two at once with one peer. A
     * copy-on-write array (changed only when a session starts or ends, read by other threads): a
     * concurrent set costs a node of 32 bytes per session, 8,000 of them at 1000 networks.
     */
    private volatile PeerId[] outgoing = new PeerId[0];
    private Registration registration;

    // ---- confined to the executor
    private final Map<PeerId, Long> cooldownUntil = new HashMap<>();
    /** The running sessions: a doubly linked list through {@link Running#prev}/{@link Running#next}. */
    private Running running;
    private ScheduledFuture<?> tick;
    /**
     * One timer per network for the session timeouts, armed for the earliest deadline: a scheduled task
     * per session costs ~130 bytes of heap and a timer-queue entry, 8,000 of them at 1000 networks.
     */
    private ScheduledFuture<?> cutTimer;
    private long cutAt;
    /** A callback waits for the peer database to grow. */
    private boolean waitingForPeers;
    /** Start permits held for slots about to be filled (see {@link StartPacer}). */
    private int permits;
    /** Queued at the pacer for a permit. */
    private boolean waitingForStart;
    private volatile boolean stopped;

    P2pNetwork(NetworkId id, NetworkConfig config, ConnectionBroker broker, PeerDb peers, InboundShares shares,
               StartPacer pacer, Session requester, Session responder, Clock clock, Random random) {
        this.inboundSlots = new InboundSlots(config, shares);
        this.pacer = config.dispatch() == Dispatch.PRIORITY ? null : pacer;
        this.id = id;
        this.config = config;
        this.broker = broker;
        this.peers = peers;
        this.requester = requester;
        this.responder = responder;
        this.clock = clock;
        this.random = random;
        this.nextPeers = new NextPeers(config, random, broker::isConnectedOrDialing, broker::connectedOrDialingPeers);
    }

    void start() {
        registration = broker.register(id, this, config.dispatch());
        execute(this::fill);
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
        return Set.of(outgoing);
    }

    // ------------------------------------------------------------------ request side

    /**
     * Fills free outgoing slots, then plans the next look only if slots are still free: when a peer's
     * backoff or cooldown ends, when the peer database grows, and at the latest after
     * {@link #IDLE_RECHECK} (scores, sharing bias). A network at its degree schedules nothing: a
     * session's end refills its slot. So an idle node does not poll per network.
     */
    private void fill() {
        if (stopped) {
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
        long delay = Math.min(IDLE_RECHECK.toMillis(), Math.max(config.requestInterval().toMillis(),
                nextEligible == Long.MAX_VALUE ? Long.MAX_VALUE : nextEligible - now));
        cancelTick();
        tick = broker.schedule(Duration.ofMillis(delay), () -> execute(this::fill));
        if (!waitingForPeers) {
            waitingForPeers = true;
            peers.whenSize(snapshot.size() + 1).thenRun(() -> execute(() -> {
                waitingForPeers = false;
                fill();
            }));
        }
    }

    /** The pacer handed us a permit (on any thread): fill a slot with it on our executor. */
    private void startGranted() {
        try {
            registration.executor().execute(() -> {
                waitingForStart = false;
                permits++;
                fill();
            });
        } catch (RejectedExecutionException e) {
            pacer.release(); // stopped: nobody will use it
        }
    }

    private void releasePermits() {
        for (; permits > 0; permits--) {
            pacer.release();
        }
    }

    private void cancelTick() {
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

    private synchronized void removeOutgoing(PeerId peer) {
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
        if (paced) {
            permits--; // the open holds it until the peer accepts or refuses
        }
        addOutgoing(peer);
        stats.pendingOutgoing.incrementAndGet();
        peers.sessionStarted(peer);
        broker.open(id, p.address(), config.maxMessageSize()).whenComplete((conn, failure) -> {
            stats.pendingOutgoing.decrementAndGet();
            if (paced) {
                pacer.release();
            }
            if (failure != null) {
                openFailed(peer, unwrap(failure));
            } else if (stopped) {
                conn.finish(); // FIN, not a reset the peer would count as premature
                removeOutgoing(peer);
                peers.sessionEnded(peer);
            } else {
                run(conn, requester, true, null);
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
                    if (isLost(closed.reason())) {
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
        if (cause instanceof SessionClosedException closed && isLost(closed.reason())) {
            scheduleFill(config.restartDelay()); // no backoff, but no tight loop on a connection going down
        } else if (!stopped) {
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
        long now = System.nanoTime();
        long deadline = config.firstRequestTimeout().toNanos();
        Running oldest = null;
        for (Running r = running; r != null; r = r.next) {
            if (!r.outbound && !r.done && now - r.startNanos >= deadline && !r.conn.hasReceived()
                    && (oldest == null || r.startNanos < oldest.startNanos)) {
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

    // ------------------------------------------------------------------ sessions

    private Running run(NetworkStream conn, Session session, boolean outbound, InetAddress from) {
        Running r = new Running(conn, outbound, from);
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
        Duration timeout = outbound ? config.jitteredTimeout(random.nextDouble())
                : config.jitteredTimeout(1.0).multipliedBy(5).dividedBy(4);
        r.deadline = System.nanoTime() + timeout.toNanos();
        armCutTimer(r.deadline);
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
        stage.whenComplete(r);
        return r;
    }

    private void link(Running r) {
        r.next = running;
        if (running != null) {
            running.prev = r;
        }
        running = r;
    }

    private void unlink(Running r) {
        if (r.prev != null) {
            r.prev.next = r.next;
        } else if (running == r) {
            running = r.next;
        }
        if (r.next != null) {
            r.next.prev = r.prev;
        }
        r.prev = null;
        r.next = null;
    }

    private void end(Running r, SessionOutcome outcome, Throwable failure, boolean timedOut) {
        if (r.done) {
            return; // cut at the timeout before; a late completion changes nothing
        }
        r.done = true;
        unlink(r); // the cut timer, armed for the earliest deadline, rearms itself when it fires
        SessionOutcome o;
        if (timedOut) {
            stats.timeouts.increment();
            r.conn.finish(); // FIN: an ordinary end, not a reset (resets at 1000 networks read as abuse)
            o = config.timeoutIsSuccess() ? SessionOutcome.ok() : SessionOutcome.failed("session timed out");
        } else {
            r.conn.finish();
            o = outcomeOf(outcome, failure);
        }
        PeerId peer = r.conn.peer();
        peers.sessionEnded(peer);
        if (r.outbound) {
            stats.activeOutgoing.decrementAndGet();
            removeOutgoing(peer);
            if (o.success()) {
                stats.sessionsOk.increment();
                peers.success(peer, id);
            } else {
                stats.failed(failureReason(r, o, failure, timedOut));
                if (o.misbehaved()) {
                    stats.sessionsMisbehaved.increment();
                }
                if (!o.misbehaved() && lostConnection(r, failure)) {
                    peers.connectionLost(peer);
                } else {
                    peers.sessionFailed(peer, o.misbehaved());
                }
                log.debug("{}: session with {} failed: {}", id, peer.shortForm(), o.reason());
            }
            scheduleFill(config.restartDelay());
        } else {
            stats.activeInbound.decrementAndGet();
            inboundSlots.release(peer, r.from);
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
    private void armCutTimer(long deadline) {
        if (cutTimer != null && cutAt - deadline <= 0) {
            return;
        }
        if (cutTimer != null) {
            cutTimer.cancel(false);
        }
        cutAt = deadline;
        cutTimer = broker.schedule(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                () -> execute(this::cutExpired));
    }

    /** Ends every session past its deadline (a timeout: FIN), then rearms for the next deadline. */
    private void cutExpired() {
        cutTimer = null;
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        boolean any = false;
        long next = 0;
        for (Running r = running, after; r != null; r = after) {
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

    /**
     * The session ended because its TCP connection broke (this side saw the loss; the peer decided
     * nothing). See {@link PeerDb#connectionLost}: the path's failure, not a reason to back the peer off.
     */
    private static boolean lostConnection(Running r, Throwable failure) {
        Throwable cause = failure == null ? null : unwrap(failure);
        if (cause instanceof SessionClosedException closed) {
            return isLost(closed.reason());
        }
        CompletableFuture<CloseReason> closed = r.conn.closeFuture();
        return closed.isDone() && isLost(closed.join()); // the session turned the loss into its own failure
    }

    private static boolean isLost(CloseReason reason) {
        return !reason.remote() && reason.code() == ErrorCode.CONNECTION_LOST;
    }

    /** A short category for a failed outgoing session (see {@link NetworkStats#failuresByReason()}). */
    private static String failureReason(Running r, SessionOutcome o, Throwable failure, boolean timedOut) {
        if (timedOut) {
            return "timeout";
        }
        Throwable cause = failure == null ? null : unwrap(failure);
        if (cause instanceof SessionClosedException closed) {
            return "closed: " + closed.reason().code();
        }
        if (cause != null) {
            return "error: " + cause.getClass().getSimpleName();
        }
        if (o.misbehaved()) {
            return "misbehaved";
        }
        CompletableFuture<CloseReason> closed = r.conn.closeFuture();
        if (closed.isDone() && !closed.join().isNormal()) { // the session turned the reset into its own failure
            return "closed: " + closed.join().code();
        }
        return "failed";
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
     * sessions ended with FIN (a node stopping resets nothing: thousands of CANCELs on young streams
     * would read as a rapid reset to its peers). Completes once done.
     */
    CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        stopped = true; // stays registered: opens are refused REFUSED_GOING_AWAY, not as unknown
        try {
            registration.executor().execute(() -> {
                cancelTick();
                releasePermits();
                if (cutTimer != null) {
                    cutTimer.cancel(false);
                    cutTimer = null;
                }
                for (Running r = running; r != null; r = r.next) {
                    r.done = true;
                    r.conn.finish();
                    peers.sessionEnded(r.conn.peer());
                    if (!r.outbound) {
                        inboundSlots.release(r.conn.peer(), r.from);
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
