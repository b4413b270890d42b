package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The peers a node knows, shared by all its networks: address, networks served, successive
 * failures, last success and failure, score, sticky (bootstrap) flag and active sessions.
 *
 * <p>Scoring: a new peer starts at {@link #INITIAL_SCORE}; a success adds {@link #SUCCESS_BONUS}
 * (capped at {@link #MAX_SCORE}); a failure halves the score (session failures within
 * {@link #FAILURE_WINDOW_MILLIS} of the last counted one are the same incident and count once); a misbehaviour (corrupt data, protocol
 * violation) drops it to {@link #MIN_SCORE}. A lost TCP connection halves the score without a backoff
 * ({@link #connectionLost}). Networks pick peers at random weighted by score.
 *
 * <p>Pruning (like chainweb): a peer with more than {@code maxFailures} successive failures, no
 * success for {@code pruneAge}, no active session and not sticky is forgotten.
 *
 * <p>Bounded, and guarded against poisoning. Peers learned from other peers (busy refusals, peer
 * exchange, advertised addresses) come in through {@link #learn}: the address must be usable
 * ({@link AddressScope}: no unspecified, multicast or broadcast address, no port 0, nothing narrower
 * than the link it came over); one source peer may have at most {@code maxNewPerSource} peers it
 * introduced that have not worked yet, whatever network they came through (the database is shared,
 * so a thousand networks do not multiply the budget); and a known peer's address is never changed by
 * anyone but the peer itself (its own authenticated advertisement) or the operator ({@link #add}).
 * The database holds at most {@code maxPeers}; when full, a newcomer takes the place of a peer that
 * has never worked (most failures first), never of a sticky peer, one with a session, or one that
 * has worked: a stranger cannot make the node forget good peers.
 *
 * <p>Persistence: {@link #save(Path)} writes {@link PeerDbFile}'s text format atomically; active
 * sessions and "does not serve" marks are not persisted.
 *
 * <p>Thread-safe: every method holds this object's monitor briefly; nothing blocks under it.
 */
public final class PeerDb {
    public static final double INITIAL_SCORE = 1.0;
    public static final double SUCCESS_BONUS = 1.0;
    public static final double MAX_SCORE = 10.0;
    public static final double MIN_SCORE = 0.05;
    /**
     * Failures of one peer less than this apart count once (misbehaviour always counts). One lost TCP
     * connection fails a session on every network it carries: at 1000 networks that is 1000 failures
     * at once, which would back the peer off for the maximum on every network for a single incident.
     */
    public static final long FAILURE_WINDOW_MILLIS = 1000;

    /** Default {@code maxPeers}: room for every peer of a 1000-network node at degree 8 that has worked. */
    public static final int DEFAULT_MAX_PEERS = 2048;
    /** Default {@code maxNewPerSource}: as many as one peer exchange accepts. */
    public static final int DEFAULT_MAX_NEW_PER_SOURCE = 32;

    /** What {@link #learn} did with a peer another peer told us about. */
    public enum Learned {
        /** Stored as a new peer. */
        ADDED,
        /** The peer's own advertisement updated its address. */
        UPDATED,
        /** Already known (at that address, or the source may not change it). */
        KNOWN,
        /** This node itself. */
        SELF,
        /** The address is unusable or out of the source's scope ({@link AddressScope}). */
        UNUSABLE,
        /** The source has introduced {@code maxNewPerSource} peers that have not worked yet. */
        SOURCE_BUDGET,
        /** The database is full of peers that must be kept. */
        FULL
    }

    private final PeerId self;
    private final Clock clock;
    private final int maxFailures;
    private final Duration pruneAge;
    private final int maxPeers;
    private final int maxNewPerSource;
    private final Map<PeerId, PeerInfo> peers = new HashMap<>();
    /** Who introduced each peer that has not worked yet (learned peers only; not persisted). */
    private final Map<PeerId, PeerId> introducedBy = new HashMap<>();
    /** How many of those each source has in the database. */
    private final Map<PeerId, Integer> introducedCount = new HashMap<>();
    private final Map<Learned, LongAdder> learned = new EnumMap<>(Learned.class);
    private final List<Map.Entry<Integer, CompletableFuture<Void>>> sizeWaiters = new ArrayList<>();
    /** The dial failure last counted per peer, so the networks sharing one dial count it once. */
    private final Map<PeerId, Throwable> lastDialFailure = new HashMap<>();

    /**
     * @param self        this node, never stored
     * @param maxFailures successive failures beyond which an idle, long-unsuccessful peer is pruned
     * @param pruneAge    how long without success before such a peer is pruned
     */
    public PeerDb(PeerId self, Clock clock, int maxFailures, Duration pruneAge) {
        this(self, clock, maxFailures, pruneAge, DEFAULT_MAX_PEERS, DEFAULT_MAX_NEW_PER_SOURCE);
    }

    /**
     * @param maxPeers        peers kept at most (sticky peers may exceed it)
     * @param maxNewPerSource peers one source may have introduced that have not worked yet
     */
    public PeerDb(PeerId self, Clock clock, int maxFailures, Duration pruneAge, int maxPeers, int maxNewPerSource) {
        if (maxPeers < 1) {
            throw new IllegalArgumentException("maxPeers must be >= 1, was " + maxPeers);
        }
        if (maxNewPerSource < 0) {
            throw new IllegalArgumentException("maxNewPerSource must be >= 0, was " + maxNewPerSource);
        }
        this.maxPeers = maxPeers;
        this.maxNewPerSource = maxNewPerSource;
        for (Learned l : Learned.values()) {
            learned.put(l, new LongAdder());
        }
        this.self = Objects.requireNonNull(self, "self");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxFailures < 0) {
            throw new IllegalArgumentException("maxFailures must be >= 0, was " + maxFailures);
        }
        if (pruneAge == null || pruneAge.isNegative()) {
            throw new IllegalArgumentException("pruneAge must be a non-negative duration, was " + pruneAge);
        }
        this.maxFailures = maxFailures;
        this.pruneAge = pruneAge;
    }

    public PeerId self() {
        return self;
    }

    /**
     * Adds a peer the operator named (bootstrap, configuration), or updates its address (and makes it
     * sticky if asked); no scope check or source budget. Ignores this node itself. When the database
     * is full, a non-sticky newcomer takes the place of a peer that never worked, or is not stored.
     *
     * @return true if the peer was not known before
     * @throws IllegalArgumentException if the address has no peer id
     */
    public boolean add(PeerAddress address, boolean sticky) {
        PeerId id = address.expectedPeer();
        if (id == null) {
            throw new IllegalArgumentException("peer address " + address + " has no peer id; expected PEERID@HOST:PORT");
        }
        if (id.equals(self)) {
            return false;
        }
        List<CompletableFuture<Void>> reached;
        synchronized (this) {
            PeerInfo old = peers.get(id);
            if (old != null) {
                PeerInfo p = old.address().equals(address) ? old : old.withAddress(address);
                peers.put(id, sticky && !p.sticky() ? p.withSticky(true) : p);
                return false;
            }
            if (!makeRoom() && !sticky) {
                return false;
            }
            peers.put(id, PeerInfo.fresh(address, sticky));
            reached = reachedSize();
        }
        reached.forEach(f -> f.complete(null));
        return true;
    }

    /**
     * Adds a configured bootstrap peer: sticky, and tried at once even if an earlier run's failures
     * (loaded from the peer database) left it in backoff, since a restart or a new configuration is
     * when an operator expects it to be dialed.
     */
    public void bootstrap(PeerAddress address) {
        add(address, true);
        synchronized (this) {
            peers.computeIfPresent(address.expectedPeer(), (k, p) -> p.retryNow());
        }
    }

    /**
     * A peer told us about {@code candidate}: stores it if the address is usable from where the
     * source is ({@code sourceIp}, null if unknown), the source's budget of unproven introductions
     * allows, and there is room (see the class comment). A known peer's address changes only when the
     * candidate is the source's own (its authenticated advertisement) and the peer is not sticky.
     *
     * @param source the peer that sent the address (for an advertised address: the peer itself)
     */
    public Learned learn(PeerAddress candidate, PeerId source, InetAddress sourceIp) {
        Learned outcome = decide(candidate, source, sourceIp);
        learned.get(outcome).increment();
        return outcome;
    }

    /** How many known peers {@code source} introduced that have not worked yet: its budget in use. */
    synchronized int unprovenFrom(PeerId source) {
        return introducedCount.getOrDefault(source, 0);
    }

    /** Peers other peers told us about, by what {@link #learn} did with them (metric). */
    public long learned(Learned outcome) {
        return learned.get(outcome).sum();
    }

    private Learned decide(PeerAddress candidate, PeerId source, InetAddress sourceIp) {
        PeerId id = candidate.expectedPeer();
        if (id == null || AddressScope.rejects(candidate, sourceIp) != null) {
            return Learned.UNUSABLE;
        }
        if (id.equals(self)) {
            return Learned.SELF;
        }
        List<CompletableFuture<Void>> reached;
        synchronized (this) {
            PeerInfo old = peers.get(id);
            if (old != null) {
                if (old.address().equals(candidate) || !id.equals(source) || old.sticky()) {
                    return Learned.KNOWN;
                }
                peers.put(id, old.withAddress(candidate));
                return Learned.UPDATED;
            }
            if (!id.equals(source) && introducedCount.getOrDefault(source, 0) >= maxNewPerSource) {
                return Learned.SOURCE_BUDGET;
            }
            if (!makeRoom()) {
                return Learned.FULL;
            }
            peers.put(id, PeerInfo.fresh(candidate, false));
            if (!id.equals(source)) {
                introducedBy.put(id, source);
                introducedCount.merge(source, 1, Integer::sum);
            }
            reached = reachedSize();
        }
        reached.forEach(f -> f.complete(null));
        return Learned.ADDED;
    }

    /** The most peers this database keeps (sticky peers aside). */
    public int maxPeers() {
        return maxPeers;
    }

    /** Whether a peer may be dropped to make room: not sticky, no session, never worked. */
    private static boolean evictable(PeerInfo p) {
        return !p.sticky() && p.activeSessions() == 0 && p.successes() == 0;
    }

    /** Frees a place if the database is full, by the eviction rule; false if it is full of keepers. */
    private boolean makeRoom() {
        if (peers.size() < maxPeers) {
            return true;
        }
        PeerInfo victim = null;
        for (PeerInfo p : peers.values()) {
            if (evictable(p) && (victim == null || p.successiveFailures() > victim.successiveFailures()
                    || (p.successiveFailures() == victim.successiveFailures() && p.score() < victim.score()))) {
                victim = p;
            }
        }
        if (victim == null) {
            return false;
        }
        forget(victim.id());
        return true;
    }

    /** Removes a peer and its introduction record. */
    private void forget(PeerId id) {
        peers.remove(id);
        lastDialFailure.remove(id);
        unproven(id);
    }

    /** The peer worked or is gone: it no longer counts against whoever introduced it. */
    private void unproven(PeerId id) {
        PeerId source = introducedBy.remove(id);
        if (source != null) {
            introducedCount.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /**
     * Adds peers loaded from a file, keeping their history (sticky flags of existing entries stay).
     * Entries with an address no peer may give us (port 0, non-unicast) are skipped, and beyond
     * {@code maxPeers} the best are kept: sticky, then most successes, then highest score.
     */
    void restore(Collection<PeerInfo> loaded) {
        List<CompletableFuture<Void>> reached;
        synchronized (this) {
            for (PeerInfo p : loaded) {
                if (!p.id().equals(self) && (p.sticky() || AddressScope.rejects(p.address(), null) == null)) {
                    peers.merge(p.id(), p, (old, nu) -> old.sticky() ? nu.withSticky(true) : nu);
                }
            }
            if (peers.size() > maxPeers) {
                List<PeerInfo> ranked = new ArrayList<>(peers.values());
                ranked.sort(Comparator.comparing((PeerInfo p) -> !p.sticky())
                        .thenComparing(Comparator.comparingLong(PeerInfo::successes).reversed())
                        .thenComparing(Comparator.comparingDouble(PeerInfo::score).reversed()));
                for (PeerInfo p : ranked.subList(maxPeers, ranked.size())) {
                    if (!p.sticky()) {
                        forget(p.id());
                    }
                }
            }
            reached = reachedSize();
        }
        reached.forEach(f -> f.complete(null));
    }

    public synchronized Optional<PeerInfo> get(PeerId id) {
        return Optional.ofNullable(peers.get(id));
    }

    public synchronized boolean contains(PeerId id) {
        return peers.containsKey(id);
    }

    public synchronized int size() {
        return peers.size();
    }

    /** Every known peer (a copy). */
    public synchronized List<PeerInfo> snapshot() {
        return new ArrayList<>(peers.values());
    }

    /** Completes once at least {@code n} peers are known. */
    public CompletableFuture<Void> whenSize(int n) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (peers.size() < n) {
                sizeWaiters.add(Map.entry(n, f));
                return f;
            }
        }
        f.complete(null);
        return f;
    }

    private List<CompletableFuture<Void>> reachedSize() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Iterator<Map.Entry<Integer, CompletableFuture<Void>>> it = sizeWaiters.iterator(); it.hasNext(); ) {
            Map.Entry<Integer, CompletableFuture<Void>> w = it.next();
            if (peers.size() >= w.getKey()) {
                done.add(w.getValue());
                it.remove();
            }
        }
        return done;
    }

    /** Forgets a peer; sticky peers stay. */
    public synchronized boolean remove(PeerId id) {
        PeerInfo p = peers.get(id);
        if (p == null || p.sticky()) {
            return false;
        }
        forget(id);
        return true;
    }

    /**
     * Another node answered at the peer's address. A peer that never worked there is forgotten (the
     * address was wrong, or a lie); one that has worked, or is sticky, is only charged a failure, so a
     * node that briefly takes its address cannot make us forget it (pruning does, if it never returns).
     *
     * @return true if the peer was forgotten
     */
    public synchronized boolean addressTaken(PeerId id) {
        PeerInfo p = peers.get(id);
        if (p == null) {
            return false;
        }
        if (p.sticky() || p.successes() > 0) {
            peers.put(id, p.failed(clock.millis(), false));
            return false;
        }
        forget(id);
        return true;
    }

    public synchronized void sessionStarted(PeerId id) {
        peers.computeIfPresent(id, (k, p) -> p.withActive(1));
    }

    public synchronized void sessionEnded(PeerId id) {
        peers.computeIfPresent(id, (k, p) -> p.withActive(-1));
    }

    /** A session (or dial) with the peer succeeded on {@code network}. */
    public synchronized void success(PeerId id, NetworkId network) {
        long now = clock.millis();
        peers.computeIfPresent(id, (k, p) -> {
            PeerInfo s = p.succeeded(now);
            return network == null || s.networks().contains(network) ? s : s.withServes(network, true);
        });
        unproven(id);
    }

    /**
     * A dial to the peer failed. Every network waiting for that dial sees the same {@code failure};
     * it counts once, not once per network (a node of 1000 chains would back off 1000 times faster).
     */
    public synchronized void dialFailed(PeerId id, Throwable failure) {
        if (lastDialFailure.get(id) == failure || !peers.containsKey(id)) {
            return;
        }
        lastDialFailure.put(id, failure);
        failure(id, false);
    }

    /**
     * A session failed. Session failures of one peer within {@link #FAILURE_WINDOW_MILLIS} of the last
     * counted failure are the same incident and count once (misbehaviour always counts): one lost TCP
     * connection fails a session on every network it carries.
     */
    public synchronized void sessionFailed(PeerId id, boolean misbehaved) {
        long now = clock.millis();
        peers.computeIfPresent(id, (k, p) -> !misbehaved && p.successiveFailures() > 0
                && now - p.lastFailure() < FAILURE_WINDOW_MILLIS ? p : p.failed(now, misbehaved));
    }

    /**
     * A TCP connection to the peer broke under a session or an open. The path failed, not
     * (necessarily) the peer: no backoff, so every network reopens at once after a partition heals,
     * and the redial decides whether the peer is still there (a failed dial is a failure:
     * {@link #dialFailed}). The score still halves, once per incident ({@link #FAILURE_WINDOW_MILLIS},
     * as for session failures), so a peer whose connections keep breaking is picked less and less.
     */
    public synchronized void connectionLost(PeerId id) {
        long now = clock.millis();
        peers.computeIfPresent(id, (k, p) -> now - p.lastFailure() < FAILURE_WINDOW_MILLIS ? p : p.lost(now));
    }

    /** A session or dial failed; {@code misbehaved} when the peer is to blame (penalised harder). */
    public synchronized void failure(PeerId id, boolean misbehaved) {
        long now = clock.millis();
        peers.computeIfPresent(id, (k, p) -> p.failed(now, misbehaved));
    }

    /** The peer serves (opened or accepted a session on) {@code network}. */
    public synchronized void serves(PeerId id, NetworkId network) {
        peers.computeIfPresent(id, (k, p) -> p.networks().contains(network) ? p : p.withServes(network, true));
    }

    /** The peer refused {@code network} as unknown: stop asking it for that network. */
    public synchronized void doesNotServe(PeerId id, NetworkId network) {
        peers.computeIfPresent(id, (k, p) -> p.withServes(network, false));
    }

    /** Prunes failing, idle, long-unsuccessful, non-sticky peers; returns how many were removed. */
    public synchronized int prune() {
        long cutoff = clock.millis() - pruneAge.toMillis();
        List<PeerId> gone = new ArrayList<>();
        for (PeerInfo p : peers.values()) {
            if (!p.sticky() && p.activeSessions() == 0 && p.successiveFailures() > maxFailures
                    && p.lastSuccess() < cutoff) {
                gone.add(p.id());
            }
        }
        gone.forEach(this::forget);
        return gone.size();
    }

    /** Writes every peer to {@code file} atomically (temp file, fsync, atomic rename). */
    public void save(Path file) throws IOException {
        PeerDbFile.write(file, snapshot());
    }

    /** Loads peers from {@code file} if it exists; returns how many were read. */
    public int load(Path file) throws IOException {
        List<PeerInfo> loaded = PeerDbFile.read(file);
        restore(loaded);
        return loaded.size();
    }
}
