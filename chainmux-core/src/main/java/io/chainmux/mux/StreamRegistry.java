package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streams of a connection and their lifecycle around the state machine in {@link MuxStream}:
 * stream ids, stream credit both ways (our opens use the peer's MAX_STREAMS credit; we grant the
 * peer {@link MuxConfig#maxInboundStreams()} more as its streams end), local opens waiting for
 * credit, inbound opens waiting for the application's accept, streams per network, and the one way
 * a stream ends: {@link #terminate}, exactly once, which frees its id, credit and buffers and then
 * tells its listener.
 *
 * <p>Threading: event-loop confined, except {@link #countLoad} and {@link #load()}, which any
 * thread may call.
 */
final class StreamRegistry {
    private static final Logger log = LoggerFactory.getLogger(StreamRegistry.class);

    private final MuxConnection connection;
    private final MuxConfig config;
    private final MuxStats stats;
    private final boolean dialer;
    /**
     * Streams counted by {@link #load()}: +1 when a local open is requested (on the caller's thread) or a
     * peer's stream is registered, -1 when the stream terminates. One counter, so a stream moving from
     * "requested" to "pending" to "open" on the loop is never briefly missing from another thread's view.
     */
    private final AtomicInteger load = new AtomicInteger();
    /**
     * One reference a slot, at most 3/4 full: at 1000 networks a connection holds hundreds of streams;
     * frames of one stream mostly hit {@link #lastStream} first.
     */
    private final StreamTable streams = new StreamTable();
    private final ArrayDeque<MuxStream> pendingOpens = new ArrayDeque<>();
    private final NetworkCounts streamsPerNetwork = new NetworkCounts();
    private final RateBudget sentResets;
    /** The stream of the last lookup: frames of one stream tend to arrive in runs. */
    private MuxStream lastStream;

    private int nextLocalStreamId;
    private int lastPeerStreamId;
    private int localStreamsOpened;
    private int peerStreamCredit;
    private int peerStreamsOpened;
    private int peerStreamsClosed;
    private int grantedStreamCredit;
    private int pendingAccepts;

    StreamRegistry(MuxConnection connection, boolean dialer) {
        this.connection = connection;
        this.config = connection.config;
        this.stats = connection.stats();
        this.dialer = dialer;
        this.nextLocalStreamId = dialer ? 1 : 2;
        this.grantedStreamCredit = config.maxInboundStreams();
        this.sentResets = new RateBudget(config.sentResets(), stats, Budget.SENT_RESETS);
    }

    // ------------------------------------------------------------------ counts and lookup

    /** Counts a stream in the connection's load until it terminates; any thread. */
    void countLoad(MuxStream s) {
        s.countedInLoad(true);
        load.incrementAndGet();
    }

    /** Undoes {@link #countLoad} for an open that never reached the loop; any thread. */
    void uncountLoad(MuxStream s) {
        s.countedInLoad(false);
        load.decrementAndGet();
    }

    /** Streams open or being opened; any thread. */
    int load() {
        return load.get();
    }

    /** Registered streams (racy snapshot off the loop). */
    int size() {
        return streams.size();
    }

    /** No stream registered and no open waiting: a going-away connection may close. */
    boolean isEmpty() {
        return streams.isEmpty() && pendingOpens.isEmpty();
    }

    Collection<MuxStream> streams() {
        return streams;
    }

    int lastPeerStreamId() {
        return lastPeerStreamId;
    }

    /** The registered stream with this id, or null. */
    MuxStream get(int id) {
        return streams.get(id);
    }

    /** Looks up a stream for a frame; null for a closed one (ignore the frame); idle ids are a protocol error. */
    MuxStream lookup(int id, FrameType type) {
        MuxStream s = lastStream;
        if (s != null && s.id() == id && !s.terminated) {
            return s; // frames of one stream tend to arrive in runs: skip the hash lookup
        }
        s = streams.get(id);
        if (s != null) {
            lastStream = s;
            return s;
        }
        boolean ours = WireFormat.isDialerStream(id) == dialer;
        boolean seen = ours ? id < nextLocalStreamId : id <= lastPeerStreamId;
        if (!seen) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s for stream %d, which was never opened",
                    type, id);
        }
        return null;
    }

    // ------------------------------------------------------------------ our opens

    /** A stream opened by the application reaches the loop: it waits for stream credit. */
    void registerOpen(MuxStream s) {
        assert connection.inEventLoop();
        if (s.terminated) {
            return;
        }
        if (connection.goAwaySent() || connection.goAwayReceived() || connection.isHardClosing() || connection.isClosed()) {
            terminate(s, CloseReason.local(ErrorCode.REFUSED_GOING_AWAY, "the connection is going away"));
            return;
        }
        if (pendingOpens.size() >= config.maxPendingOpens() && !canOpenNow()) {
            terminate(s, CloseReason.local(ErrorCode.REFUSED_LIMIT, "more than " + config.maxPendingOpens()
                    + " opens are waiting for stream credit"));
            return;
        }
        pendingOpens.add(s);
        processPendingOpens();
    }

    /** The peer's SETTINGS: we may open up to {@code maxStreams} streams; {@link #processPendingOpens} opens them. */
    void peerSettings(int maxStreams) {
        peerStreamCredit = maxStreams;
    }

    /** The peer's MAX_STREAMS: we may open up to {@code maxStreams} streams in total. */
    void peerStreamCredit(int maxStreams) {
        if (maxStreams > peerStreamCredit) {
            peerStreamCredit = maxStreams;
            processPendingOpens();
        }
    }

    private boolean canOpenNow() {
        return connection.peerSettings() != null && localStreamsOpened < peerStreamCredit;
    }

    /** Sends OPEN for waiting streams while the peer's credit allows. */
    void processPendingOpens() {
        while (canOpenNow() && !pendingOpens.isEmpty() && !connection.goAwaySent() && !connection.goAwayReceived()) {
            MuxStream s = pendingOpens.poll();
            if (s.terminated) {
                continue;
            }
            if (nextLocalStreamId < 0) {
                terminate(s, CloseReason.local(ErrorCode.REFUSED_LIMIT, "stream ids exhausted"));
                connection.shutdown.sendGoAway(ErrorCode.NO_ERROR, "stream ids exhausted");
                return;
            }
            if (networkCount(s.networkId) >= config.maxStreamsPerNetwork()) {
                terminate(s, CloseReason.local(ErrorCode.REFUSED_LIMIT, "network " + s.networkId + " has "
                        + config.maxStreamsPerNetwork() + " streams open on this connection"));
                continue;
            }
            if (!connection.receiveFlow.canAdmit()) {
                stats.budgetHit(Budget.RECEIVE_BUDGET);
                terminate(s, CloseReason.local(ErrorCode.REFUSED_LIMIT, "the receive budget of "
                        + config.receiveBudget() + " bytes has no room for another stream's window"));
                continue;
            }
            int id = nextLocalStreamId;
            nextLocalStreamId += 2;
            // The window before the state: a sender on another thread that sees the stream opened
            // sees its window too (StreamOutbox.hasRoom).
            connection.sendFlow.streamOpened(s, connection.peerSettings());
            s.openSent(id);
            streams.put(s);
            localStreamsOpened++;
            stats.streamsOpenedLocal++;
            addNetworkCount(s.networkId, 1);
            connection.receiveFlow.streamOpened(s);
            OutboundWriter writer = connection.writer;
            writer.open(id, s.localMaxMessageSize, s.networkId);
            writer.controlFrameQueued();
            writer.onStreamReady(s);
        }
        connection.writer.requestWrite();
    }

    /** Ends every open waiting for credit (a go-away either way). */
    void refusePendingOpens(CloseReason reason) {
        MuxStream p;
        while ((p = pendingOpens.poll()) != null) {
            terminate(p, reason);
        }
    }

    // ------------------------------------------------------------------ the peer's opens

    /** The peer opened a stream: registers it, then offers it to the connection listener or refuses it. */
    void peerOpened(int streamId, int maxMessageSize, String networkId) {
        if (WireFormat.isDialerStream(streamId) == dialer) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "peer opened stream %d with our parity", streamId);
        }
        if (streamId <= lastPeerStreamId) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR,
                    "OPEN for stream %d, not above the last opened id %d", streamId, lastPeerStreamId);
        }
        if (peerStreamsOpened >= grantedStreamCredit) {
            throw MuxException.connection(ErrorCode.STREAM_LIMIT_ERROR,
                    "peer opened stream number %d but was granted %d", peerStreamsOpened + 1L, grantedStreamCredit);
        }
        lastPeerStreamId = streamId;
        peerStreamsOpened++;
        stats.streamsOpenedRemote++;
        // The id was decoded from the frame: a new string per stream. Interned, the streams of one network
        // share one (1000 networks x 8 streams per node: ~56 bytes per stream otherwise); the JVM's
        // string table holds it weakly, so ids a peer made up go when their streams do.
        MuxStream s = new MuxStream(connection, false, networkId.intern(), 1);
        s.id(streamId);
        s.peerMaxMessageSize = maxMessageSize;
        s.localMaxMessageSize = config.maxMessageSize();
        connection.sendFlow.streamOpened(s, connection.peerSettings());
        boolean admitted = connection.receiveFlow.streamOpened(s);
        s.openedNanos = connection.now();
        streams.put(s);
        countLoad(s);
        addNetworkCount(networkId, 1);
        pendingAccepts++;
        if (connection.goAwaySent()) {
            reset(s, ErrorCode.REFUSED_GOING_AWAY, null, "opened after our GO_AWAY");
        } else if (pendingAccepts > config.maxPendingAccepts()) {
            reset(s, ErrorCode.REFUSED_LIMIT, null, "more than " + config.maxPendingAccepts()
                    + " opens are waiting to be accepted");
        } else if (networkCount(networkId) > config.maxStreamsPerNetwork()) {
            reset(s, ErrorCode.REFUSED_LIMIT, null, "network " + networkId + " has "
                    + config.maxStreamsPerNetwork() + " streams open on this connection");
        } else if (!admitted) {
            stats.budgetHit(Budget.RECEIVE_BUDGET);
            reset(s, ErrorCode.REFUSED_LIMIT, null, "the receive budget of " + config.receiveBudget()
                    + " bytes has no room for another stream's window");
        } else {
            connection.notifyStreamOpened(s);
        }
    }

    /** The application accepted an inbound stream: ACCEPT goes out, then what arrived meanwhile is delivered. */
    void accept(MuxStream s, StreamListener l, int maxMessageSize) {
        assert connection.inEventLoop();
        if (s.terminated) {
            if (s.listener == null) {
                s.listener(l);
                s.notifyClosed(s.closeReason());
            }
            return;
        }
        if (s.state() != StreamState.PENDING_ACCEPT) {
            log.warn("ignoring a second accept of stream {}", s.describe());
            return;
        }
        pendingAccepts--;
        s.listener(l);
        s.localMaxMessageSize = Math.min(maxMessageSize, config.maxMessageSize());
        OutboundWriter writer = connection.writer;
        writer.accept(s.id(), s.localMaxMessageSize);
        writer.controlFrameQueued();
        s.acceptSent();
        writer.requestWrite();
        if (s.inbox.hasBacklog()) {
            s.inbox.deliverBacklog(s);
        }
        if (!s.terminated && s.finReceived()) {
            s.notifyRemoteClosed();
        }
        if (!s.outboundEmpty() || s.source != null || s.finRequested) {
            writer.onStreamReady(s);
        }
    }

    // ------------------------------------------------------------------ ending streams

    /**
     * Whether a RESET we send counts against the peer's "provoked" budget (MadeYouReset): our own
     * decisions to end a stream (done, timed out, going away) do not, as in Netty's encoder budget.
     */
    static boolean provoked(ErrorCode code) {
        return code != ErrorCode.NO_ERROR && code != ErrorCode.CANCEL && code != ErrorCode.SESSION_TIMEOUT
                && code != ErrorCode.REFUSED_GOING_AWAY;
    }

    /**
     * Provoked resets allowed per window: the configured count plus one per stream the peer may hold
     * open, so refusing each of a full set of honest opens (a peer asking for 1000 networks we do not
     * serve, all at once) is ordinary, while a flood of provoked resets still ends the connection.
     */
    private int sentResetLimit() {
        return (int) Math.min(Integer.MAX_VALUE, (long) config.sentResets().count() + config.maxInboundStreams());
    }

    /** Sends RESET (if the peer knows the stream) and ends it locally. */
    void reset(MuxStream s, ErrorCode code, byte[] detail, String message) {
        assert connection.inEventLoop();
        if (s.terminated) {
            return;
        }
        boolean refusal = s.state() == StreamState.PENDING_ACCEPT;
        if (s.id() != 0 && !connection.isHardClosing()) {
            ByteBuf d = detail == null ? null : Unpooled.wrappedBuffer(detail);
            OutboundWriter writer = connection.writer;
            writer.reset(s.id(), code, d);
            stats.resetsSent++;
            writer.controlFrameQueued();
            writer.requestWrite();
            if (provoked(code) && !sentResets.tryAcquire(connection.now(), sentResetLimit())) {
                terminate(s, CloseReason.local(code, message));
                connection.connectionError(connection.shutdown.budgetBroken(Budget.SENT_RESETS, "the peer provoked more than "
                        + sentResetLimit() + " resets in " + config.sentResets().window()));
                return;
            }
        }
        if (refusal) {
            stats.streamsRefusedLocal++;
        }
        terminate(s, CloseReason.local(code, message));
    }

    /** Ends a stream exactly once: frees its id, credit and buffers, then tells its listener. */
    void terminate(MuxStream s, CloseReason reason) {
        assert connection.inEventLoop();
        if (s.terminated) {
            return;
        }
        if (s.countedInLoad()) {
            s.countedInLoad(false);
            load.decrementAndGet();
        }
        StreamState before = s.closed(reason);
        boolean registered = s.id() != 0 && streams.remove(s.id()) != null;
        if (registered) {
            addNetworkCount(s.networkId, -1);
            if (!s.locallyInitiated) {
                if (before == StreamState.PENDING_ACCEPT) {
                    pendingAccepts--;
                }
                peerStreamClosed();
            }
        }
        connection.receiveFlow.streamEnded(s);
        s.releaseBuffers();
        s.notifyClosed(reason);
        if (connection.sendFlow.hasWatchers()) {
            connection.writer.requestWrite();
        }
        connection.shutdown.closeIfDrained();
    }

    /** Ends every stream, registered or waiting for credit: the connection is gone. */
    void terminateAll(CloseReason reason) {
        for (MuxStream s : new ArrayList<>(streams)) {
            terminate(s, reason);
        }
        refusePendingOpens(reason);
    }

    /** The peer's GO_AWAY: our streams above its last processed id, and opens not sent yet, were not processed. */
    void peerGoingAway(int lastStreamId, CloseReason refused) {
        for (MuxStream s : new ArrayList<>(streams)) {
            if (s.locallyInitiated && s.id() > lastStreamId) {
                terminate(s, refused);
            }
        }
        refusePendingOpens(refused);
    }

    /** Grants the peer more streams once half of {@link MuxConfig#maxInboundStreams()} of its streams ended. */
    private void peerStreamClosed() {
        peerStreamsClosed++;
        int credit = peerStreamsClosed + config.maxInboundStreams();
        if (credit < 0) {
            return; // credit field saturated at 2^31-1; ids run out first
        }
        if (credit - grantedStreamCredit >= Math.max(1, config.maxInboundStreams() / 2)) {
            grantedStreamCredit = credit;
            OutboundWriter writer = connection.writer;
            writer.maxStreams(credit);
            writer.controlFrameQueued();
            writer.requestWrite();
        }
    }

    private int networkCount(String networkId) {
        return streamsPerNetwork.get(networkId);
    }

    private void addNetworkCount(String networkId, int delta) {
        streamsPerNetwork.add(networkId, delta);
    }

    /** The arguments of an application's RESET (or refusal): a code that goes on the wire, a detail within its limit. */
    static void checkResetCode(ErrorCode code, byte[] detail) {
        if (code == null || !code.onWire()) {
            throw new IllegalArgumentException(code + " is not a code a RESET can carry");
        }
        if (detail != null && detail.length > WireFormat.MAX_RESET_DETAIL_LENGTH) {
            throw new IllegalArgumentException("reset detail of " + detail.length + " bytes exceeds "
                    + WireFormat.MAX_RESET_DETAIL_LENGTH);
        }
    }
}
