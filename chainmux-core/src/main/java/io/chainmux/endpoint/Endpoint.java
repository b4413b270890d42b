package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.endpoint.identity.TlsContexts;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.ClosedException;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.MuxTotals;
import io.chainmux.mux.StreamListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's transport: listens and dials TCP (epoll or NIO), authenticates every connection with the
 * node identity (optionally inside TLS 1.3), and keeps one {@link PeerConnection} of K striped,
 * multiplexed connections per physical peer. Thread-safe.
 *
 * <pre>{@code
 * Endpoint ep = Endpoint.start(EndpointConfig.builder(identity).listen("127.0.0.1:7000").build(), listener);
 * PeerConnection peer = ep.connect(PeerAddress.parse("127.0.0.1:7001")).get();
 * MuxStream s = peer.openStream("chain-0/sync/1", 1 << 20, 1, streamListener);
 * }</pre>
 */
public final class Endpoint implements AutoCloseable {
    static final Logger log = LoggerFactory.getLogger(Endpoint.class);
    /** Outbound buffer water marks of every connection: writes pause above high, resume below low. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

    /**
     * Unstriped dials (unshared mode) in progress at once; more wait in {@link #unstripedQueue}. Opening
     * thousands of streams at once would otherwise start thousands of handshakes at once,
     * and on a small machine most of them then miss their handshake timeout at the peers and are retried.
     */
    public static final int MAX_UNSTRIPED_DIALS = 64;

    private final EndpointConfig config;
    private final EndpointListener listener;
    private final java.util.ArrayDeque<Runnable> unstripedQueue = new java.util.ArrayDeque<>();
    /** Guarded by {@link #unstripedQueue}. */
    private int unstripedDialing;
    private final EventLoopGroup group;
    private final TlsContexts tls;
    private final EndpointStats stats = new EndpointStats();
    /** Mux counters over every connection this endpoint ever had, counted as things happen. */
    private final MuxTotals muxTotals = new MuxTotals();
    private final Map<PeerId, PeerConnection> peers = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> inboundPerIp = new ConcurrentHashMap<>();
    private final AtomicInteger inbound = new AtomicInteger();
    private final AbuseWatch abuse;
    private final HandshakeOutcomes handshakes;
    private volatile Channel server;
    private volatile boolean closing;
    /** Completes once {@link #close} has finished. */
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private Endpoint(EndpointConfig config, EndpointListener listener) {
        this.config = config;
        this.listener = listener;
        try {
            this.tls = config.tls() ? TlsContexts.create(config.identity()) : null;
        } catch (SSLException e) {
            throw new IllegalStateException("could not set up TLS: " + e.getMessage(), e);
        }
        this.group = config.transport().newGroup(config.ioThreads(), "chainmux-io");
        this.abuse = new AbuseWatch(config, stats);
        this.handshakes = new HandshakeOutcomes(this, abuse);
    }

    /**
     * Starts an endpoint; binds its listener if the config has one.
     *
     * @throws UncheckedIOException if the listen address cannot be bound (in use, not local, ...)
     */
    public static Endpoint start(EndpointConfig config, EndpointListener listener) {
        Endpoint ep = new Endpoint(config, listener);
        if (config.listen() != null) {
            try {
                ep.bind(config.listen());
            } catch (IOException e) {
                ep.close();
                throw new UncheckedIOException("cannot listen on " + config.listen().hostPort() + ": " + e.getMessage(), e);
            }
        }
        long timeout = config.unusedConnectionTimeout().toNanos();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(timeout / 4, TimeUnit.SECONDS.toNanos(30)));
        // Contained: a periodic task that throws is cancelled by its executor, silently.
        ep.group.next().scheduleAtFixedRate(() -> ep.runContained("closing unused connections",
                ep::closeUnusedConnections), period, period, TimeUnit.NANOSECONDS);
        ep.group.next().scheduleAtFixedRate(() -> ep.runContained("charging abuse per address", ep.abuse::sweep),
                AbuseWatch.SWEEP_NANOS, AbuseWatch.SWEEP_NANOS, TimeUnit.NANOSECONDS);
        return ep;
    }

    /** Closes dialed peer connections that carried no stream for the configured time. */
    private void closeUnusedConnections() {
        if (closing) {
            return;
        }
        long now = System.nanoTime();
        long timeout = config.unusedConnectionTimeout().toNanos();
        for (PeerConnection pc : peers.values()) {
            if (pc.closeIfUnused(now, timeout, stats.unusedClosed::increment)) {
                log.info("closed the connection to {}: no stream for {} s", pc.peerId().shortForm(),
                        config.unusedConnectionTimeout().toSeconds());
            }
        }
    }

    private void bind(PeerAddress address) throws IOException {
        ChannelFuture f = new ServerBootstrap().group(group).channel(config.transport().serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted(ch);
                    }
                })
                .bind(address.toSocketAddress()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            Throwable c = f.cause();
            throw c instanceof IOException io ? io : new IOException(String.valueOf(c), c);
        }
        server = f.channel();
        log.info("listening on {} ({}{})", PeerAddress.of((InetSocketAddress) server.localAddress()).hostPort(),
                config.transport(), config.tls() ? ", TLS" : "");
    }

    public EndpointConfig config() {
        return config;
    }

    /** Mux counters summed over every connection this endpoint ever had, closed ones included. */
    public MuxTotals muxTotals() {
        return muxTotals;
    }

    public EndpointStats stats() {
        return stats;
    }

    NodeIdentity identity() {
        return config.identity();
    }

    EndpointListener listener() {
        return listener;
    }

    /** Where the listener is bound (port 0 resolved), or null for a dial-only endpoint. */
    public InetSocketAddress localAddress() {
        Channel s = server;
        return s == null ? null : (InetSocketAddress) s.localAddress();
    }

    /**
     * The peer connection to {@code id}, or null if the endpoint keeps none. The endpoint keeps one
     * for every peer it dialed (after a failed {@link #connect} too: not connected, redialing
     * nothing, holding its last failure) or that connected to it, and forgets it once it has no
     * connection left and nobody wants it (it was closed, or it dialed us): then this returns null even
     * while a caller still holds the id. A {@link PeerConnection} a caller still holds stays safe
     * to use and inert: it is not connected and its {@code openStream} throws a
     * {@link ClosedException} saying why. To talk to the peer again, {@link #connect} again.
     */
    public PeerConnection peer(PeerId id) {
        return peers.get(id);
    }

    /** The peer connection to {@code id}, made if the endpoint keeps none. */
    PeerConnection peerConnection(PeerId id) {
        return peers.computeIfAbsent(id, k -> new PeerConnection(this, k));
    }

    boolean isClosing() {
        return closing;
    }

    public Collection<PeerConnection> peers() {
        return List.copyOf(peers.values());
    }

    // ------------------------------------------------------------------ dialing

    /**
     * Connects to a peer with K connections, or returns the existing peer connection. Completes when the
     * first connection is established; fails with a {@link HandshakeException} (wrong peer id, refused, timeout,
     * unreachable: see its reason) once every connection failed, or with a {@link ClosedException} once
     * the endpoint is closed.
     *
     * <p>A failed connect leaves no redial going on in the background (the peer connection stays
     * known, with its last failure: see {@link #peer}). Redialing in the background, with backoff up
     * to {@link EndpointConfig#reconnect()}, is for a peer that was connected and lost connections; it
     * stops at {@link PeerConnection#close}.
     */
    public CompletableFuture<PeerConnection> connect(PeerAddress address) {
        if (closing) {
            return CompletableFuture.failedFuture(ClosedException.byUs("cannot connect", "the endpoint is closed"));
        }
        if (identity().peerId().equals(address.expectedPeer())) {
            return CompletableFuture.failedFuture(HandshakeException.of(Reason.SELF_DIAL,
                    "refusing to dial %s: that is this node's own peer id", address));
        }
        CompletableFuture<PeerConnection> result = new CompletableFuture<>();
        if (address.expectedPeer() != null) {
            PeerConnection pc = peerConnection(address.expectedPeer());
            pc.want(address);
            pc.whenConnected(result);
            dialMissingStripes(pc, address);
        } else {
            // Unknown peer id: dial stripe 0 to learn it, then the remaining stripes. The peer is
            // marked wanted before the caller sees it, so a close() by the caller always comes after.
            CompletableFuture<PeerConnection> first = new CompletableFuture<>();
            dial(address, 0, first);
            first.whenComplete((pc, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                    return;
                }
                pc.want(address.withPeer(pc.peerId()));
                dialMissingStripes(pc, address.withPeer(pc.peerId()));
                result.complete(pc);
            });
        }
        return result;
    }

    private void dialMissingStripes(PeerConnection pc, PeerAddress address) {
        for (int i = 0; i < config.stripes(); i++) {
            if (pc.startDial(i)) {
                dial(address, i, null);
            }
        }
    }

    void redial(PeerConnection pc, int index) {
        PeerAddress a = pc.address();
        if (a != null && !closing && pc.startDial(index)) {
            stats.reconnects.increment();
            dial(a.withPeer(pc.peerId()), index, null);
        }
    }

    /**
     * Dials one stripe. {@code result} (may be null) completes with the peer connection once this
     * dial leads to an established stripe, directly or, after a crossing, through the peer's dial.
     */
    private void dial(PeerAddress address, int index, CompletableFuture<PeerConnection> result) {
        HandshakeHandler handshake = new HandshakeHandler(identity(), Role.DIALER, index, config.stripes(),
                config.advertisedAddress(), address.expectedPeer(), config.tls(), config.handshakeTimeout().toNanos(),
                handshakes);
        if (result != null) {
            handshakes.expectDial(handshake, result);
        }
        dial(address, handshake);
    }

    /**
     * Unshared mode ({@link EndpointConfig#connectionPerStream()}): dials a TCP connection of its own for
     * one stream, outside the peer's stripes, and opens the stream on it once the handshake
     * is done. The connection is closed (GO_AWAY) when that stream ends.
     *
     * @param address the peer, with its peer id
     * @return completes with the stream (opening), or fails with the dial's {@link HandshakeException}
     */
    public CompletableFuture<MuxStream> openUnstriped(PeerAddress address, String networkId, int maxInboundMessageSize,
                                                      int weight, StreamListener listener) {
        if (closing) {
            return CompletableFuture.failedFuture(new IllegalStateException("the endpoint is closed"));
        }
        if (address.expectedPeer() == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("address " + address
                    + " has no peer id; expected PEERID@HOST:PORT"));
        }
        HandshakeHandler handshake = new HandshakeHandler(identity(), Role.DIALER, Hello.UNSTRIPED_INDEX, 0,
                config.advertisedAddress(), address.expectedPeer(), config.tls(), config.handshakeTimeout().toNanos(),
                handshakes);
        CompletableFuture<MuxConnection> connected = new CompletableFuture<>();
        handshakes.expectUnstripedDial(handshake, connected);
        connected.whenComplete((connection, failure) -> unstripedDialDone());
        startUnstripedDial(() -> {
            if (closing) {
                handshakes.forgetUnstripedDial(handshake);
                connected.completeExceptionally(new IllegalStateException("the endpoint is closed"));
            } else {
                dial(address, handshake);
            }
        });
        return connected.thenApply(connection -> {
            try {
                return connection.openStream(networkId, maxInboundMessageSize, weight, new UnstripedStreamListener(listener, connection));
            } catch (RuntimeException e) {
                connection.goAway("could not open its stream");
                throw e;
            }
        });
    }

    /** Starts an unstriped dial now, or queues it while {@link #MAX_UNSTRIPED_DIALS} are in progress. */
    private void startUnstripedDial(Runnable dial) {
        synchronized (unstripedQueue) {
            if (unstripedDialing >= MAX_UNSTRIPED_DIALS) {
                unstripedQueue.add(dial);
                return;
            }
            unstripedDialing++;
        }
        dial.run();
    }

    /** An unstriped dial ended (connected or failed): its place goes to the next one queued. */
    private void unstripedDialDone() {
        Runnable next;
        synchronized (unstripedQueue) {
            next = unstripedQueue.poll();
            if (next == null) {
                unstripedDialing--;
                return;
            }
        }
        next.run();
    }

    private void dial(PeerAddress address, HandshakeHandler handshake) {
        stats.connectionsDialed.increment();
        new Bootstrap().group(group).channel(config.transport().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.client().newHandler(ch.alloc(), address.host(), address.port()));
                        }
                        ch.pipeline().addLast("handshake", handshake);
                    }
                })
                .connect(address.toSocketAddress()).addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        handshakes.dialFailed(handshake, address, f.cause());
                    }
                });
    }

    // ------------------------------------------------------------------ accepting

    private void accepted(SocketChannel ch) {
        InetAddress ip = ch.remoteAddress().getAddress();
        if (closing) {
            ch.close();
            return;
        }
        if (!abuse.admit(ch.remoteAddress())) {
            ch.close();
            return;
        }
        if (inbound.incrementAndGet() > config.maxInboundConnections()) {
            inbound.decrementAndGet();
            limitHit(Limit.MAX_INBOUND_CONNECTIONS, "refusing " + ch.remoteAddress() + ": "
                    + config.maxInboundConnections() + " inbound connections are open");
            ch.close();
            return;
        }
        AtomicInteger perIp = inboundPerIp.computeIfAbsent(ip, k -> new AtomicInteger());
        if (perIp.incrementAndGet() > config.maxInboundPerIp()) {
            perIp.decrementAndGet();
            inbound.decrementAndGet();
            limitHit(Limit.MAX_INBOUND_PER_IP, "refusing " + ch.remoteAddress() + ": " + config.maxInboundPerIp()
                    + " inbound connections from " + ip.getHostAddress() + " are open");
            ch.close();
            return;
        }
        stats.connectionsAccepted.increment();
        ch.closeFuture().addListener(f -> {
            inbound.decrementAndGet();
            if (perIp.decrementAndGet() == 0) {
                inboundPerIp.remove(ip, perIp);
            }
        });
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            p.addLast("tls", tls.server().newHandler(ch.alloc()));
        }
        p.addLast("handshake", new HandshakeHandler(identity(), Role.LISTENER, 0, 0, config.advertisedAddress(),
                null, config.tls(), config.handshakeTimeout().toNanos(), handshakes));
    }

    void limitHit(Limit limit, String message) {
        stats.limitHit(limit);
        log.warn("{} (limit {})", message, limit.label);
    }

    // ------------------------------------------------------------------ events from peer connections

    void connectionLost(PeerConnection pc, int index, CloseReason reason) {
        stats.connectionsLost.increment();
        log.info("connection (stripe {}) to {} lost: {}", index, pc.peerId().shortForm(), reason);
        runContained("listener onConnectionLost", () -> listener.onConnectionLost(pc, index, reason));
    }

    /** Reports a peer down; never under the peer connection's monitor (the listener may call back). */
    void peerDown(PeerConnection pc, CloseReason reason) {
        assert !Thread.holdsLock(pc);
        forgetIfUnused(pc);
        runContained("listener onPeerDisconnected", () -> listener.onPeerDisconnected(pc, reason));
    }

    /** Forgets a peer connection nobody wants and nothing connects (see {@link #peer}). */
    void forgetIfUnused(PeerConnection pc) {
        if (!pc.isWanted() && !pc.isConnected()) {
            peers.remove(pc.peerId(), pc);
        }
    }

    void peerUp(PeerConnection pc) {
        assert !Thread.holdsLock(pc);
        runContained("listener onPeerConnected", () -> listener.onPeerConnected(pc));
    }

    /** Runs {@code task} on an event loop after a delay, contained; null once the endpoint is shutting down. */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        try {
            return group.next().schedule(() -> runContained("a peer connection timer", task), delayNanos,
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null; // shutting down: nothing is redialed any more
        }
    }

    /**
     * The endpoint's one containment path: every call of the listener and every task the endpoint
     * runs on an event loop goes through here. A failure is logged and goes no further: it cannot
     * leave a handshake, a connect future or a periodic task unfinished, nor reach Netty (which
     * would log it and cancel a periodic task for good).
     */
    void runContained(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("{} failed", what, e);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Graceful shutdown: stops accepting, sends GO_AWAY on every connection so streams in flight can
     * finish, waits at most {@link EndpointConfig#shutdownGrace()} for them, then closes what is left
     * (those streams report CONNECTION_LOST) and stops the event loops.
     *
     * <p>Blocks the calling thread until that is done (the grace plus a few seconds at most), so it
     * must not be called on one of the endpoint's event loops (a listener callback): there it throws
     * {@link IllegalStateException}; use {@link #closeAsync} instead. A second call returns at once.
     */
    @Override
    public void close() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                throw new IllegalStateException("Endpoint.close() blocks and would wait for its own event loop; "
                        + "call closeAsync() from a listener");
            }
        }
        if (closing) {
            return;
        }
        closing = true;
        try {
            shutdown();
        } finally {
            closed.complete(null);
        }
    }

    /**
     * {@link #close} without blocking: runs it on a thread of its own, safe from any thread (an event
     * loop included). The future completes once the endpoint is closed.
     */
    public CompletableFuture<Void> closeAsync() {
        if (!closing) {
            Thread t = new Thread(this::close, "chainmux-endpoint-close");
            t.setDaemon(true);
            t.start();
        }
        return closed;
    }

    private void shutdown() {
        Channel s = server;
        if (s != null) {
            s.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        List<CompletableFuture<CloseReason>> closes = new ArrayList<>();
        for (PeerConnection pc : peers.values()) {
            for (MuxConnection m : pc.connections()) {
                closes.add(m.closeFuture());
            }
            pc.close("node shutting down");
        }
        try {
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
                    .get(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.info("streams still open after the {} ms shutdown grace; closing their connections",
                    config.shutdownGrace().toMillis());
            List<ChannelFuture> forced = new ArrayList<>();
            for (PeerConnection pc : peers.values()) {
                for (MuxConnection m : pc.connections()) {
                    if (m.channel() != null) {
                        forced.add(m.channel().close());
                    }
                }
            }
            forced.forEach(f -> f.awaitUninterruptibly(1, TimeUnit.SECONDS));
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
