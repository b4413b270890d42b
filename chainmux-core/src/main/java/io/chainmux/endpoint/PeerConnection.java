package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.mux.ClosedException;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStats;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * All traffic to one physical peer: up to K connections (stripe index 0 to K-1), each a {@link MuxConnection}.
 * New streams go on the connection whose stripe the {@link StripePolicy} picks from the connections'
 * measured load. A lost connection fails only its own streams; the side that dialed it redials with backoff.
 *
 * <p>Crossed connections: for each stripe index at most one connection is kept. When both nodes dial
 * at once, the connection dialed by the node with the lower peer id wins; both nodes apply the same
 * rule when the peer's HELLO arrives, before any stream can use either connection, so the loser is
 * refused in its handshake (CROSSED_CONNECTION) and no stream is ever opened on it.
 *
 * <p>Thread safety: the connections of one peer live on different event loops, so the stripe table is
 * guarded by this object's monitor. It is touched only when connections come and go, never per
 * message.
 */
public final class PeerConnection {
    /** One stripe index: what is established and what is in progress. */
    private static final class Slot {
        MuxConnection established;
        boolean establishedByUs;
        /** Dials of ours in progress for this index. */
        int dialing;
        /** An inbound connection admitted at HELLO, waiting for its AUTH (its handshake's token). */
        Object admittedInbound;
        /** An established connection that lost a crossing and is retired once the winner is up. */
        MuxConnection doomed;
    }

    private final Endpoint endpoint;
    private final PeerId peerId;
    private final Slot[] slots;
    /** Redials of lost stripes and the last dial failure; guarded by this object's monitor. */
    private final PeerRedials redials;
    /** Send rates of the stripes between placements. */
    private final StripeMeter stripeMeter = new StripeMeter();
    private final List<CompletableFuture<PeerConnection>> waiting = new ArrayList<>();
    /** Unstriped connections (unshared mode): one stream each, outside the slots. */
    private final Set<MuxConnection> unstriped = new HashSet<>();
    /** Where the peer can be dialed; from connect() or the peer's advertised address. */
    private PeerAddress address;
    /** We asked for this peer (connect), so we keep its stripes up. */
    private boolean wanted;
    private boolean closed;
    private String closedBecause;
    private boolean reportedUp;
    /** A stripe was established since the last {@link #want}: a peer worth redialing when lost. */
    private boolean everUp;
    /** When the connection was last seen without streams, or -1 while it carries some. */
    private long unusedSinceNanos = -1;
    /** Streams ever opened on the stripes when {@link #unusedSinceNanos} was taken. */
    private long openedWhenUnused;

    PeerConnection(Endpoint endpoint, PeerId peerId) {
        this.endpoint = endpoint;
        this.peerId = peerId;
        this.slots = new Slot[Math.max(endpoint.config().stripes(), endpoint.config().maxStripesPerPeer())];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
        this.redials = new PeerRedials(this, endpoint, slots.length);
    }

    public PeerId peerId() {
        return peerId;
    }

    /** Where the peer can be dialed, or null if it never told us. */
    public synchronized PeerAddress address() {
        return address;
    }

    /** The established connections of the stripe table, in stripe index order. */
    public synchronized List<MuxConnection> stripedConnections() {
        List<MuxConnection> list = new ArrayList<>();
        for (Slot s : slots) {
            if (s.established != null) {
                list.add(s.established);
            }
        }
        return list;
    }

    /** Unstriped connections open now (unshared mode: one per stream). */
    public synchronized int unstripedCount() {
        return unstriped.size();
    }

    /** Every TCP connection to the peer: the striped ones, then the unstriped ones. */
    public synchronized List<MuxConnection> connections() {
        List<MuxConnection> all = stripedConnections();
        all.addAll(unstriped);
        return all;
    }

    public synchronized int stripeCount() {
        int n = 0;
        for (Slot s : slots) {
            if (s.established != null) {
                n++;
            }
        }
        return n;
    }

    public synchronized boolean isConnected() {
        return stripeCount() > 0;
    }

    /**
     * Whether a stripe can take new streams now: connected, and not going away (GO_AWAY either way,
     * for example while an unused connection closes).
     */
    public synchronized boolean hasUsableStripe() {
        return usableStripes() > 0;
    }

    private int usableStripes() {
        int n = 0;
        for (Slot s : slots) {
            if (s.established != null && s.established.isOpenForStreams()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Opens a stream for a network on the stripe the policy picks, as ordinary traffic.
     *
     * @throws IllegalArgumentException if an argument is invalid (network id, size, weight, listener)
     * @throws ClosedException          if no stripe takes new streams right now: its reason says
     *                                  whether we closed the peer connection or it broke
     */
    public MuxStream openStream(String networkId, int maxInboundMessageSize, int weight, StreamListener listener) {
        return openStream(networkId, maxInboundMessageSize, weight, TrafficClass.ORDINARY, listener);
    }

    /**
     * Opens a stream for a network on the stripe the policy picks from the stripes'
     * measured load and what the stream carries.
     *
     * @throws IllegalStateException if no stripe is established right now
     */
    public MuxStream openStream(String networkId, int maxInboundMessageSize, int weight, TrafficClass traffic,
                                StreamListener listener) {
        Objects.requireNonNull(traffic, "traffic");
        List<MuxConnection> up = stripedConnections();
        up.removeIf(s -> !s.isOpenForStreams());
        if (up.isEmpty()) {
            throw new ClosedException("peer " + peerId.shortForm() + " has no usable connection", whyUnusable());
        }
        List<StripeLoad> loads = stripeMeter.measure(up, System.nanoTime());
        MuxConnection chosen = up.get(endpoint.config().stripePolicy().choose(networkId, traffic, loads));
        return chosen.openStream(networkId, maxInboundMessageSize, weight, listener);
    }

    /** Why the last dial to this peer failed (a sentence), or null if none has. */
    public synchronized String lastFailure() {
        return redials.lastFailure();
    }

    /** When the last dial to this peer failed, epoch millis; 0 if none has. */
    public synchronized long lastFailureMillis() {
        return redials.lastFailureMillis();
    }

    /** The protocol version negotiated with the peer, or 0 while no stripe is up. */
    public int protocolVersion() {
        List<MuxConnection> up = stripedConnections();
        if (up.isEmpty() || up.get(0).channel() == null) {
            return 0;
        }
        Integer v = up.get(0).channel().attr(HandshakeHandler.VERSION).get();
        return v == null ? 0 : v;
    }

    /** Round-trip time over the first striped connection; fails with a {@link ClosedException} when there is none. */
    public CompletableFuture<Duration> ping() {
        List<MuxConnection> up = stripedConnections();
        if (up.isEmpty()) {
            return CompletableFuture.failedFuture(new ClosedException("peer " + peerId.shortForm()
                    + " is not connected", whyUnusable()));
        }
        return up.get(0).ping();
    }

    /** Why no stripe takes streams: closed by us (by code, not by message text), or lost. */
    private synchronized CloseReason whyUnusable() {
        return closed ? CloseReason.local(ErrorCode.NO_ERROR, "closed by us: " + closedBecause)
                : CloseReason.local(ErrorCode.CONNECTION_LOST, "not connected");
    }

    /** Stops redialing and closes every connection gracefully (streams in flight may finish). Idempotent. */
    public void close(String reason) {
        List<MuxConnection> toClose;
        synchronized (this) {
            if (!closed) {
                closedBecause = reason; // the first close says why
            }
            closed = true;
            wanted = false;
            toClose = connections();
            redials.cancelAll();
        }
        for (MuxConnection s : toClose) {
            s.goAway(reason);
        }
    }

    /** An unstriped connection completed its handshake; it leaves the set when it closes. */
    void unstripedEstablished(MuxConnection connection) {
        synchronized (this) {
            unstriped.add(connection);
        }
        connection.closeFuture().whenComplete((reason, e) -> {
            synchronized (this) {
                unstriped.remove(connection);
            }
        });
    }

    // ------------------------------------------------------------------ endpoint side

    /**
     * Closes the connection if it carried no stream for {@code timeoutNanos}: it must be one we
     * dialed (every stripe ours, so the peer does not redial it), with no stream open and none opened
     * since it was first seen unused. Called periodically by the endpoint.
     *
     * @param beforeClose run just before the close, so a count it keeps is current for whoever hears of the close
     * @return true if it was closed
     */
    boolean closeIfUnused(long nowNanos, long timeoutNanos, Runnable beforeClose) {
        synchronized (this) {
            int up = 0;
            int load = 0;
            long opened = 0;
            boolean allOurs = true;
            for (Slot s : slots) {
                if (s.established != null) {
                    up++;
                    load += s.established.load();
                    MuxStats stats = s.established.stats();
                    opened += stats.streamsOpenedLocal() + stats.streamsOpenedRemote();
                    allOurs &= s.establishedByUs;
                }
            }
            if (!isWanted() || up == 0 || load > 0 || !allOurs) {
                unusedSinceNanos = -1;
                return false;
            }
            if (unusedSinceNanos < 0 || opened != openedWhenUnused) {
                unusedSinceNanos = nowNanos;
                openedWhenUnused = opened;
                return false;
            }
            if (nowNanos - unusedSinceNanos < timeoutNanos) {
                return false;
            }
        }
        beforeClose.run(); // counted before anyone can hear of the close
        close("unused: no stream for " + Duration.ofNanos(timeoutNanos).toSeconds() + " s");
        return true;
    }

    synchronized void want(PeerAddress dialable) {
        if (!isWanted()) {
            everUp = isConnected(); // a new want: redial only once this want has seen the peer up
        }
        wanted = true;
        closed = false;
        if (dialable != null) {
            address = dialable;
        }
    }

    synchronized boolean isWanted() {
        return wanted && !closed;
    }

    synchronized void learnAddress(String advertised) {
        if (address == null && advertised != null && !advertised.isEmpty()) {
            try {
                address = PeerAddress.parse(advertised).withPeer(peerId);
            } catch (IllegalArgumentException unusable) {
                // an unauthenticated hint we cannot use: ignored, not a reason to fail the handshake
            }
        }
    }

    /**
     * Completes when a stripe that takes new streams is (or becomes) established, or fails with the
     * last dial failure.
     */
    synchronized void whenConnected(CompletableFuture<PeerConnection> f) {
        if (usableStripes() > 0) {
            f.complete(this);
        } else {
            waiting.add(f);
        }
    }

    /** Registers a dial of ours for a stripe index; false if that index is established or being dialed. */
    synchronized boolean startDial(int index) {
        Slot s = slots[index];
        boolean up = s.established != null && s.established.isOpenForStreams();
        if (up || s.dialing > 0 || s.admittedInbound != null) {
            return false;
        }
        s.dialing++;
        return true;
    }

    /** Counts a dial of ours that was started without knowing it leads to this peer. */
    synchronized void adoptDial(int index) {
        slots[index].dialing++;
    }

    /**
     * Decides, at the peer's HELLO, whether a connection may become stripe {@code index}.
     *
     * @return null to admit, or the refusal to send
     */
    synchronized HandshakeException admit(Role ourRole, int index, Object token) {
        if (index >= slots.length) { // the endpoint refuses these before; never index past the table
            return HandshakeException.of(Reason.LIMIT, "stripe index %d is at or above the limit of %d stripes per peer",
                    index, slots.length);
        }
        Slot s = slots[index];
        // A stripe that is going away (GO_AWAY either way, or closing) no longer counts.
        MuxConnection established = s.established != null && s.established.isOpenForStreams() ? s.established : null;
        boolean ourDialWins = endpoint.identity().peerId().compareTo(peerId) < 0;
        if (ourRole == Role.DIALER) {
            boolean theirs = s.admittedInbound != null || (established != null && !s.establishedByUs);
            if (theirs && !ourDialWins) {
                return HandshakeException.of(Reason.CROSSED, "crossed dial on stripe %d: %s's connection wins",
                        index, peerId.shortForm());
            }
            if (established != null) {
                s.doomed = established; // replaced once ours is up
            }
            return null;
        }
        boolean ours = s.dialing > 0 || (established != null && s.establishedByUs);
        if (ours && ourDialWins) {
            return HandshakeException.of(Reason.CROSSED, "crossed dial on stripe %d: the connection dialed by %s wins",
                    index, endpoint.identity().peerId().shortForm());
        }
        // An earlier inbound connection for this index still waiting for its AUTH is superseded: the
        // peer dials an index again only once it is done with the previous connection (it may have
        // completed, used and closed it before our side read its AUTH). See established().
        if (established != null) {
            // The peer dialed this stripe again: it only does so once it considers the old one gone.
            s.doomed = established;
        }
        s.admittedInbound = token;
        return null;
    }

    /**
     * Decides, once the peer's AUTH verified, whether an admitted connection may still become stripe
     * {@code index}. A crossing can be settled only now: the peer's HELLO on our dial may arrive before
     * its own dial's HELLO (so both were admitted), and either handshake may finish first. Whatever the
     * order, the connection dialed by the higher peer id is refused (docs/PROTOCOL.md section 5.3).
     *
     * @return null to complete, or the refusal to send
     */
    synchronized HandshakeException confirm(Role ourRole, int index, Object token) {
        Slot s = slots[index];
        MuxConnection established = s.established != null && s.established.isOpenForStreams() ? s.established : null;
        boolean ourDialWins = endpoint.identity().peerId().compareTo(peerId) < 0;
        if (ourRole == Role.DIALER) {
            boolean theirs = s.admittedInbound != null || (established != null && !s.establishedByUs);
            return theirs && !ourDialWins ? HandshakeException.of(Reason.CROSSED,
                    "crossed dial on stripe %d: %s's connection wins", index, peerId.shortForm()) : null;
        }
        if (s.admittedInbound != token) {
            return null; // superseded by a newer inbound connection: established() retires it
        }
        boolean ours = s.dialing > 0 || (established != null && s.establishedByUs); // as in admit()
        return ours && ourDialWins ? HandshakeException.of(Reason.CROSSED,
                "crossed dial on stripe %d: the connection dialed by %s wins", index,
                endpoint.identity().peerId().shortForm()) : null;
    }

    /**
     * A stripe completed its handshake ({@code token} is the handshake admitted for it); installs it
     * and reports the peer up on its first stripe.
     */
    void established(Role ourRole, int index, MuxConnection connection, Object token) {
        MuxConnection retire;
        boolean first;
        List<CompletableFuture<PeerConnection>> complete;
        synchronized (this) {
            Slot s = slots[index];
            boolean superseded = ourRole == Role.LISTENER && s.admittedInbound != token;
            if (ourRole == Role.DIALER) {
                s.dialing = Math.max(0, s.dialing - 1);
            } else if (!superseded) {
                s.admittedInbound = null;
            }
            if (superseded) {
                retire = connection; // a newer inbound connection for this index was admitted after it
                complete = List.of();
                first = false;
            } else {
                retire = s.doomed != null ? s.doomed : s.established;
                s.doomed = null;
                s.established = connection;
                s.establishedByUs = ourRole == Role.DIALER;
                redials.stripeUp(index);
                first = !reportedUp;
                reportedUp = true;
                everUp = true;
                complete = new ArrayList<>(waiting);
                waiting.clear();
            }
        }
        if (retire == connection) {
            connection.goAway("superseded by a newer connection from the peer for stripe " + index);
            return;
        }
        connection.closeFuture().thenAccept(reason -> stripeClosed(index, connection, reason));
        if (retire != null) {
            retire.goAway("crossed connection: keeping the one dialed by the lower peer id");
        }
        if (first) {
            endpoint.peerUp(this); // contained: a listener that throws cannot hold up the connects below
        }
        complete.forEach(f -> f.complete(this));
    }

    /** A dial of ours, or an admitted inbound connection, failed before it was established. */
    void attemptFailed(Role ourRole, int index, Object token, HandshakeException failure) {
        List<CompletableFuture<PeerConnection>> fail = List.of();
        boolean redial;
        if (index < 0 || index >= slots.length) {
            return; // refused before it had a slot
        }
        boolean log = false;
        synchronized (this) {
            Slot s = slots[index];
            if (ourRole == Role.DIALER && failure.reason() != Reason.CROSSED) {
                log = redials.recordFailure(failure);
            }
            if (ourRole == Role.DIALER) {
                s.dialing = Math.max(0, s.dialing - 1);
            } else if (s.admittedInbound == token) {
                s.admittedInbound = null;
            }
            // A crossed dial is not a failure: the winning connection is on its way.
            redial = ourRole == Role.DIALER && failure.reason() != Reason.CROSSED && isWanted()
                    && s.established == null;
            if (ourRole == Role.DIALER && failure.reason() != Reason.CROSSED && usableStripes() == 0
                    && !anyInProgress()) {
                fail = new ArrayList<>(waiting);
                waiting.clear();
                if (!everUp && wanted) {
                    giveUp(); // a connect that never got through: no redials behind the caller's back
                    redial = false;
                }
            }
        }
        if (log) {
            redials.logFailure(failure);
        }
        fail.forEach(f -> f.completeExceptionally(failure));
        if (redial) {
            redials.schedule(index);
        } else if (ourRole == Role.DIALER && failure.reason() == Reason.CROSSED) {
            redials.expectWinner(index);
        }
    }

    /** Stops wanting the peer and cancels every scheduled redial; under the monitor. */
    private void giveUp() {
        wanted = false;
        redials.cancelAll();
    }

    /** Whether a redial is scheduled for some stripe; for tests. */
    synchronized boolean redialPending() {
        return redials.pending();
    }

    private boolean anyInProgress() {
        for (Slot s : slots) {
            if (s.dialing > 0 || s.admittedInbound != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether stripe {@code index} is neither established nor being connected, either way. */
    synchronized boolean stripeIdle(int index) {
        Slot s = slots[index];
        return s.established == null && s.admittedInbound == null && s.dialing == 0;
    }

    /** Whether stripe {@code index} is established (going away or not). */
    synchronized boolean hasStripe(int index) {
        return slots[index].established != null;
    }

    /** Takes whoever waits for a usable stripe, if none is usable nor on its way; else nothing. */
    synchronized List<CompletableFuture<PeerConnection>> takeWaitersIfDown() {
        if (usableStripes() > 0 || anyInProgress()) {
            return List.of();
        }
        List<CompletableFuture<PeerConnection>> fail = new ArrayList<>(waiting);
        waiting.clear();
        return fail;
    }

    private void stripeClosed(int index, MuxConnection connection, CloseReason reason) {
        boolean lost;
        boolean down;
        boolean redial;
        synchronized (this) {
            Slot s = slots[index];
            if (s.established != connection) {
                return; // a retired crossing loser: it was replaced, nothing was lost
            }
            s.established = null;
            lost = !closed && !reason.isNormal();
            redial = s.establishedByUs && isWanted();
            down = stripeCount() == 0 && !redial;
            if (stripeCount() == 0) {
                reportedUp = false;
            }
        }
        if (lost) {
            endpoint.connectionLost(this, index, reason);
        }
        if (redial) {
            redials.schedule(index);
        }
        if (down) {
            endpoint.peerDown(this, reason);
        }
    }

    @Override
    public String toString() {
        return "PeerConnection{" + peerId.shortForm() + ", stripes=" + stripeCount() + "}";
    }
}
