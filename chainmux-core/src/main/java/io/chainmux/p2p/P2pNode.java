package io.chainmux.p2p;

import io.chainmux.broker.ConnectionBroker;
import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.wire.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A node: one endpoint, its connection broker, the shared peer database, the peer exchange and the
 * node's P2P networks, started and stopped together.
 *
 * <pre>{@code
 * P2pNode node = P2pNode.start(NodeConfig.builder(endpointConfig).peerDbFile(Path.of("peers.db"))
 *         .bootstrap(List.of(PeerAddress.parse("cm...@10.0.0.7:7000"))).build());
 * node.join(NetworkId.of("0", "chaindb-sync", 1), NetworkConfig.defaults(), syncSession, serveSession);
 * ...
 * node.close(); // stops the networks, saves the peer database, closes the endpoint
 * }</pre>
 *
 * Thread-safe.
 */
public final class P2pNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(P2pNode.class);

    private final NodeConfig config;
    private final Clock clock = Clock.systemUTC();
    private final Random random = new Random();
    private final PeerDb peers;
    /** Inbound session slots each peer and address holds over all networks. */
    private final InboundShares inboundShares;
    /** Paces outgoing session opens over all networks but priority ones. */
    private final StartPacer startPacer;
    private final ConnectionBroker broker;
    private final Map<NetworkId, P2pNetwork> networks = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private P2pNode(NodeConfig config, PeerDb peers, ConnectionBroker broker) {
        this.config = config;
        this.peers = peers;
        this.inboundShares = new InboundShares(config.maxInboundShare(), config.endpoint().limitLoopback());
        this.broker = broker;
        this.startPacer = new StartPacer(config.maxStartsInFlight());
    }

    /**
     * Loads the peer database (if it has a file), adds the bootstrap peers, starts the endpoint and
     * the peer exchange.
     *
     * @throws UncheckedIOException if the peer database cannot be read or the listen address bound
     */
    public static P2pNode start(NodeConfig config) {
        PeerId self = config.endpoint().identity().peerId();
        PeerDb peers = new PeerDb(self, Clock.systemUTC(), config.maxFailures(), config.pruneAge(), config.maxPeers(),
                config.maxNewPeersPerSource());
        if (config.peerDbFile() != null) {
            try {
                int n = peers.load(config.peerDbFile());
                log.info("loaded {} peers from {}", n, config.peerDbFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the peer database " + config.peerDbFile() + ": "
                        + e.getMessage(), e);
            }
        }
        for (PeerAddress b : config.bootstrap()) {
            peers.bootstrap(b);
        }
        P2pNode node = new P2pNode(config, peers, ConnectionBroker.start(config.endpoint(), config.broker()));
        PeerExchange exchange = new PeerExchange(peers, config.exchange(), node::address, node.random.nextInt());
        node.join(PeerExchange.NETWORK, config.exchange().network(), exchange.requester(), exchange.responder());
        node.scheduleMaintenance();
        return node;
    }

    /**
     * Joins a network: registers it with the broker (inbound opens run {@code responder}) and starts
     * its request side (outgoing sessions run {@code requester}).
     *
     * @throws IllegalStateException if the node already serves that network, or is closed
     */
    public P2pNetwork join(NetworkId id, NetworkConfig networkConfig, Session requester, Session responder) {
        if (closed) {
            throw new IllegalStateException("the node is closed");
        }
        P2pNetwork n = new P2pNetwork(id, networkConfig, broker, peers, inboundShares, startPacer, requester, responder,
                clock, new Random(random.nextLong()));
        if (networks.putIfAbsent(id, n) != null) {
            throw new IllegalStateException("the node already serves network " + id);
        }
        n.start();
        return n;
    }

    public P2pNetwork network(NetworkId id) {
        return networks.get(id);
    }

    /** The networks this node serves, the peer exchange included. */
    public Collection<P2pNetwork> networks() {
        return List.copyOf(networks.values());
    }

    public PeerId id() {
        return peers.self();
    }

    /**
     * Where peers can dial this node: the configured advertised address, else the bound listen address
     * when it is a specific host; null if neither.
     */
    public PeerAddress address() {
        String advertised = config.endpoint().advertisedAddress();
        if (!advertised.isEmpty()) {
            return PeerAddress.parse(advertised).withPeer(id());
        }
        InetSocketAddress local = broker.endpoint().localAddress();
        if (local == null || local.getAddress() == null || local.getAddress().isAnyLocalAddress()) {
            return null;
        }
        return PeerAddress.of(local).withPeer(id());
    }

    public PeerDb peerDb() {
        return peers;
    }

    public ConnectionBroker broker() {
        return broker;
    }

    // ------------------------------------------------------------------ metrics

    /** Streams open now, both directions, all networks. */
    public int streams() {
        return broker.stats().streams();
    }

    /** TCP connections open now (established stripes). */
    public int tcpConnections() {
        return broker.tcpConnections();
    }

    /** Peers with at least one TCP connection. */
    public int connectedPeers() {
        return broker.connectedPeers();
    }

    /** Streams per TCP connection (0 without connections): how much the transport is shared. */
    public double sharingRatio() {
        int tcp = tcpConnections();
        return tcp == 0 ? 0 : (double) streams() / tcp;
    }

    /** Outgoing session opens in flight now (holding a start permit; priority networks not counted). */
    public int sessionStartsInFlight() {
        return startPacer.inFlight();
    }

    /** Outgoing sessions waiting for a start permit now, over all networks (see {@link NodeConfig#maxStartsInFlight()}). */
    public int sessionStartsWaiting() {
        return startPacer.waitingSessions();
    }

    /** Times a network had to wait for a start permit. */
    public long sessionStartWaits() {
        return startPacer.waits();
    }

    /** Start permits given back by opens still waiting for a dial after {@code StartPacer.DIAL_HOLD} (1 s). */
    public long sessionStartDialHoldsCut() {
        return startPacer.dialHoldsCut();
    }

    StartPacer startPacer() {
        return startPacer;
    }

    /** Inbound opens this node refused with {@code code}. */
    public long refused(ErrorCode code) {
        return broker.stats().refused(code);
    }

    // ------------------------------------------------------------------ maintenance and shutdown

    private void scheduleMaintenance() {
        broker.schedule(config.persistInterval(), () -> {
            if (closed) {
                return;
            }
            int pruned = peers.prune();
            if (pruned > 0) {
                log.info("pruned {} peers", pruned);
            }
            save();
            scheduleMaintenance();
        });
    }

    private void save() {
        if (config.peerDbFile() == null) {
            return;
        }
        try {
            peers.save(config.peerDbFile());
        } catch (IOException e) {
            log.warn("cannot save the peer database to {}: {}", config.peerDbFile(), e.toString());
        }
    }

    /** Stops every network, saves the peer database, closes the endpoint and the worker threads. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (P2pNetwork n : networks.values()) {
            stops.add(n.stop());
        }
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("networks did not stop within 5 s: {}", e.toString());
        }
        save();
        broker.close();
    }
}
