package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The peers a node knows, shared by all its networks: address, networks served, successive
 * failures, last success and failure, score, sticky (bootstrap) flag and active sessions.
 *
 * <p>Scoring: a new peer starts at {@link #INITIAL_SCORE}; a success adds {@link #SUCCESS_BONUS}
 * (capped at {@link #MAX_SCORE}); a failure halves the score (failures within
 * {@link #FAILURE_WINDOW_MILLIS} of the last counted one are the same incident and count once); a misbehaviour (corrupt data, protocol
 * violation) drops it to {@link #MIN_SCORE}. Networks pick peers at random weighted by score.
 *
 * <p>Pruning (like chainweb): a peer with more than {@code maxFailures} successive failures, no
 * success for {@code pruneAge}, no active session and not sticky is forgotten.
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

    private final PeerId self;
    private final Clock clock;
    private final int maxFailures;
    private final Duration pruneAge;
    private final Map<PeerId, PeerInfo> peers = new HashMap<>();
    private final List<Map.Entry<Integer, CompletableFuture<Void>>> sizeWaiters = new ArrayList<>();

    /**
     * @param self        this node, never stored
     * @param maxFailures successive failures beyond which an idle, long-unsuccessful peer is pruned
     * @param pruneAge    how long without success before such a peer is pruned
     */
    public PeerDb(PeerId self, Clock clock, int maxFailures, Duration pruneAge) {
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
     * Adds a peer, or updates its address (and makes it sticky if asked). Ignores this node itself.
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
            peers.put(id, PeerInfo.fresh(address, sticky));
            reached = reachedSize();
        }
        reached.forEach(f -> f.complete(null));
        return true;
    }

    /** Adds peers loaded from a file, keeping their history (sticky flags of existing entries stay). */
    void restore(Collection<PeerInfo> loaded) {
        List<CompletableFuture<Void>> reached;
        synchronized (this) {
            for (PeerInfo p : loaded) {
                if (!p.id().equals(self)) {
                    peers.merge(p.id(), p, (old, nu) -> old.sticky() ? nu.withSticky(true) : nu);
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

    /** Forgets a peer (an identity mismatch at its address, say); sticky peers stay. */
    public synchronized boolean remove(PeerId id) {
        PeerInfo p = peers.get(id);
        if (p == null || p.sticky()) {
            return false;
        }
        peers.remove(id);
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
        int before = peers.size();
        peers.values().removeIf(p -> !p.sticky() && p.activeSessions() == 0 && p.successiveFailures() > maxFailures
                && p.lastSuccess() < cutoff);
        return before - peers.size();
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
