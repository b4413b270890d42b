package io.chainmux.broker;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.EndpointListener;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.TrafficClass;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.MuxStream;
import io.chainmux.wire.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Matches streams to the logical networks registered on a node, over one
 * {@link Endpoint} it owns.
 *
 * <ul>
 * <li>Inbound: a stream open names its network; the registered network's {@link NetworkHandler}
 *     decides on its serial executor. Opens for unknown (or malformed) network ids are refused with
 *     REFUSED_UNKNOWN_NETWORK, counted, and logged at most once per interval.</li>
 * <li>Outbound: {@link #open} reuses the peer's existing {@link PeerConnection} (and its stripes)
 *     and dials only when there is none.</li>
 * </ul>
 *
 * <pre>{@code
 * ConnectionBroker broker = ConnectionBroker.start(endpointConfig, BrokerConfig.defaults());
 * broker.register(NetworkId.of("0", "ping", 1), open -> runResponder(open.accept(1 << 20)));
 * broker.open(NetworkId.of("0", "ping", 1), peerAddress, 1 << 20).thenAccept(conn -> ...);
 * }</pre>
 *
 * Thread-safe. See the package documentation for the threading rule.
 */
public final class ConnectionBroker implements EndpointListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConnectionBroker.class);

    private final BrokerConfig config;
    final BrokerStats stats = new BrokerStats();
    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService timer;
    /** Runs {@link Dispatch#PRIORITY} networks, so they never queue behind the shared pool's work. */
    private final ThreadPoolExecutor priorityPool;
    private final Map<String, Registration> networks = new ConcurrentHashMap<>();
    /** Peers with a dial in progress, so sharing-aware selection sees connections about to exist. */
    private final Set<PeerId> dialing = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastUnknownLog = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2);
    private final AtomicLong unknownSinceLog = new AtomicLong();
    private volatile Endpoint endpoint;

    private ConnectionBroker(BrokerConfig config) {
        this.config = config;
        this.pool = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), daemon("chainmux-p2p-"));
        this.priorityPool = new ThreadPoolExecutor(config.priorityWorkerThreads(), config.priorityWorkerThreads(), 0,
                TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), daemon("chainmux-p2p-priority-"));
        this.timer = new ScheduledThreadPoolExecutor(1, daemon("chainmux-p2p-timer-"));
        ((ScheduledThreadPoolExecutor) timer).setRemoveOnCancelPolicy(true);
    }

    /** Starts the endpoint with this broker as its listener. */
    public static ConnectionBroker start(EndpointConfig endpointConfig, BrokerConfig config) {
        ConnectionBroker b = new ConnectionBroker(config);
        try {
            b.endpoint = Endpoint.start(endpointConfig, b);
        } catch (RuntimeException e) {
            b.shutdownThreads();
            throw e;
        }
        return b;
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public BrokerConfig config() {
        return config;
    }

    public BrokerStats stats() {
        return stats;
    }

    public PeerId self() {
        return endpoint.config().identity().peerId();
    }

    // ------------------------------------------------------------------ networks

    /**
     * Registers a network; inbound opens for it go to {@code handler} on the network's own serial
     * executor (returned in the registration).
     *
     * @throws IllegalStateException if the network is registered already
     */
    public Registration register(NetworkId network, NetworkHandler handler) {
        return register(network, handler, Dispatch.SHARED);
    }

    /**
     * Registers a network whose events and sessions run on the pool {@code dispatch} names.
     *
     * @throws IllegalStateException if the network is registered already
     */
    public Registration register(NetworkId network, NetworkHandler handler, Dispatch dispatch) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(dispatch, "dispatch");
        ThreadPoolExecutor workers = dispatch == Dispatch.PRIORITY ? priorityPool : pool;
        String wire = network.wire();
        Registration r = new Registration(network, handler,
                new SerialExecutor(wire, workers, config.drainBatch()), new NetworkTraffic(), dispatch, wire, this);
        if (networks.putIfAbsent(wire, r) != null) {
            throw new IllegalStateException("network " + network + " is registered already");
        }
        return r;
    }

    /** Stops routing opens to the network (later opens are refused as unknown). */
    public void unregister(NetworkId network) {
        networks.remove(network.wire());
    }

    public Registration registration(NetworkId network) {
        return networks.get(network.wire());
    }

    public int networkCount() {
        return networks.size();
    }

    // ------------------------------------------------------------------ outbound

    /**
     * Opens a stream to a peer on a registered network, reusing the peer's connection if
     * there is one, dialing otherwise. Completes on the network's executor once the peer accepted;
     * fails with a {@link io.chainmux.broker.SessionClosedException} carrying the refusal (code and
     * detail), or with the dial's failure.
     *
     * @param address        the peer, with its peer id
     * @param maxMessageSize the largest message we accept from the peer on this connection
     */
    public CompletableFuture<NetworkStream> open(NetworkId network, PeerAddress address, int maxMessageSize) {
        Registration r = networks.get(network.wire());
        if (r == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("network " + network + " is not registered"));
        }
        PeerId id = address.expectedPeer();
        if (id == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("address " + address
                    + " has no peer id; expected PEERID@HOST:PORT"));
        }
        stats.opened.increment();
        CompletableFuture<NetworkStream> result = new CompletableFuture<>();
        if (endpoint.config().connectionPerStream()) {
            openUnstriped(address, r, maxMessageSize, result);
            return result;
        }
        PeerConnection pc = endpoint.peer(id);
        if (pc != null && pc.hasUsableStripe()) {
            stats.reused.increment();
            openOn(pc, r, maxMessageSize, result);
            return result;
        }
        if (pc == null) {
            stats.dialed.increment();
        }
        dialing.add(id);
        endpoint.connect(address).whenComplete((connected, failure) -> {
            dialing.remove(id);
            if (failure != null) {
                completeOn(r, () -> result.completeExceptionally(failure));
            } else {
                openOn(connected, r, maxMessageSize, result);
            }
        });
        return result;
    }

    /**
     * Whether an {@link #open} to the peer would first wait for a dial: no connection to it is up now.
     * Never in the unshared mode ({@link io.chainmux.endpoint.EndpointConfig#connectionPerStream()}),
     * where the dial is the open's own.
     */
    public boolean opensAfterDial(PeerId peer) {
        if (endpoint.config().connectionPerStream()) {
            return false;
        }
        PeerConnection pc = endpoint.peer(peer);
        return pc == null || !pc.hasUsableStripe();
    }

    private void openOn(PeerConnection pc, Registration r, int maxMessageSize,
                        CompletableFuture<NetworkStream> result) {
        NetworkStream c = new NetworkStream(r, pc.peerId(), true, null);
        MuxStream s;
        try {
            s = pc.openStream(r.wire(), maxMessageSize, 1, r.dispatch() == Dispatch.PRIORITY
                    ? TrafficClass.LATENCY_SENSITIVE : TrafficClass.ORDINARY, c);
        } catch (RuntimeException e) {
            completeOn(r, () -> result.completeExceptionally(e));
            return;
        }
        c.bind(s);
        urgentIfPriority(r, s);
        stats.streams.incrementAndGet();
        c.openedFuture().whenComplete((conn, failure) -> {
            c.openDecided();
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (!result.complete(conn)) {
                conn.abort(ErrorCode.CANCEL);
            }
        });
    }

    /** Unshared mode: the stream gets a TCP connection of its own, closed when it ends. */
    private void openUnstriped(PeerAddress address, Registration r, int maxMessageSize,
                               CompletableFuture<NetworkStream> result) {
        stats.dialed.increment();
        NetworkStream c = new NetworkStream(r, address.expectedPeer(), true, null);
        endpoint.openUnstriped(address, r.wire(), maxMessageSize, 1, c).whenComplete((s, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                completeOn(r, () -> result.completeExceptionally(cause));
                return;
            }
            c.bind(s);
            urgentIfPriority(r, s);
            stats.streams.incrementAndGet();
            c.openedFuture().whenComplete((conn, err) -> {
                c.openDecided();
                if (err != null) {
                    result.completeExceptionally(err);
                } else if (!result.complete(conn)) {
                    conn.abort(ErrorCode.CANCEL);
                }
            });
        });
    }

    /**
     * A {@link Dispatch#PRIORITY} network's stream goes out before bulk streams on its connection
     * (both ends mark their side: the opener here, the acceptor in {@link InboundOpen#accept}), so its
     * small messages do not wait a round of a catch-up's hundreds of streams.
     */
    static void urgentIfPriority(Registration r, MuxStream s) {
        if (r.dispatch() == Dispatch.PRIORITY) {
            s.setUrgent(true);
        }
    }

    private static void completeOn(Registration r, Runnable completion) {
        try {
            r.executor().execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    /** Whether a TCP connection to the peer is up or being dialed: using it costs no new connection. */
    public boolean isConnectedOrDialing(PeerId peer) {
        if (dialing.contains(peer)) {
            return true;
        }
        PeerConnection pc = endpoint.peer(peer);
        return pc != null && pc.isConnected();
    }

    /** Peers with a TCP connection up or being dialed. */
    public int connectedOrDialingPeers() {
        Set<PeerId> all = new java.util.HashSet<>(dialing);
        for (PeerConnection pc : endpoint.peers()) {
            if (pc.isConnected()) {
                all.add(pc.peerId());
            }
        }
        return all.size();
    }

    /** TCP connections of this node right now: established stripes (and unstriped connections) over all peers. */
    public int tcpConnections() {
        int n = 0;
        for (PeerConnection pc : endpoint.peers()) {
            n += pc.stripeCount() + pc.unstripedCount();
        }
        return n;
    }

    /** Peers with at least one established stripe. */
    public int connectedPeers() {
        int n = 0;
        for (PeerConnection pc : endpoint.peers()) {
            if (pc.isConnected()) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ inbound (event loop)

    @Override
    public void onStreamOpened(PeerConnection peer, MuxStream stream) {
        Registration r = networks.get(stream.networkId());
        if (r == null) {
            refuseUnknown(peer, stream);
            return;
        }
        InboundOpen open = new InboundOpen(this, r, peer, stream);
        try {
            r.executor().execute(() -> offer(r, open));
        } catch (RejectedExecutionException e) {
            stats.countRefusal(ErrorCode.REFUSED_GOING_AWAY);
            stream.refuse(ErrorCode.REFUSED_GOING_AWAY, null);
        }
    }

    /**
     * Hands an open to its network's handler, contained: a handler that throws before it decided
     * costs that stream only (reset with INTERNAL_ERROR), not the connection, and the open does not
     * wait forever for a decision that will never come.
     */
    private void offer(Registration r, InboundOpen open) {
        try {
            r.handler().onInbound(open);
        } catch (RuntimeException e) {
            log.warn("the handler of network {} failed on an open from {}", r.network(), open.peer().shortForm(), e);
            open.failed();
        }
    }

    private void refuseUnknown(PeerConnection peer, MuxStream stream) {
        stats.countRefusal(ErrorCode.REFUSED_UNKNOWN_NETWORK);
        stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
        long suppressed = unknownSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastUnknownLog.get();
        if (now - last >= config.unknownNetworkLogInterval().toNanos() && lastUnknownLog.compareAndSet(last, now)) {
            unknownSinceLog.addAndGet(-suppressed);
            log.warn("refused an open for unknown network '{}' from {} ({} such refusals since the last report)",
                    stream.networkId(), peer.peerId().shortForm(), suppressed);
        }
    }

    void closed(NetworkStream c) {
        stats.streams.decrementAndGet();
    }

    // ------------------------------------------------------------------ timers

    /**
     * Runs {@code task} on the timer thread after {@code delay}; tasks must only hand work elsewhere.
     * A task that throws is logged (a scheduled executor would keep the failure in a future nobody
     * reads). Once the broker is shutting down nothing runs any more: the result is then a future
     * cancelled already, never null.
     */
    public ScheduledFuture<?> schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        Runnable contained = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("a broker timer task failed", e);
            }
        };
        try {
            return timer.schedule(contained, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return NotScheduled.INSTANCE;
        }
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Closes the endpoint (streams in flight get its shutdown grace), then stops the worker pool and
     * the timer. Streams still open fail with CONNECTION_LOST.
     */
    @Override
    public void close() {
        Endpoint ep = endpoint;
        if (ep != null) {
            ep.close();
        }
        shutdownThreads();
    }

    private void shutdownThreads() {
        timer.shutdownNow();
        pool.shutdown();
        priorityPool.shutdown();
        for (ThreadPoolExecutor workers : List.of(pool, priorityPool)) {
            try {
                if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                    log.warn("worker pool did not stop within 5 s (a session blocks a thread?)");
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                workers.shutdownNow();
            }
        }
    }
}
