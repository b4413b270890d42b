package io.chainmux.node;

import io.chainmux.broker.NetworkId;
import io.chainmux.chaindb.ChainDb;
import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.FetchWindow;
import io.chainmux.chaindb.SyncCodec;
import io.chainmux.chaindb.SyncResponder;
import io.chainmux.chaindb.SyncSession;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.Transport;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.RateLimit;
import io.chainmux.p2p.NetworkConfig;
import io.chainmux.p2p.NodeConfig;
import io.chainmux.p2p.P2pNetwork;
import io.chainmux.p2p.P2pNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A running node built from its configuration: the P2P node (endpoint, broker, peer DB, peer
 * exchange), one chain-database sync network per chain, metrics and the admin interface.
 * {@link #close()} shuts down gracefully: GO_AWAY to peers, streams in flight finish within the
 * endpoint's grace, peer DB saved.
 */
public final class NodeRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeRunner.class);
    /** Payload bytes of each block {@code --produce-blocks} makes. */
    public static final int PRODUCED_BLOCK_SIZE = 4096;

    private final P2pNode node;
    private final Map<String, ChainDb> chains = new LinkedHashMap<>();
    private final AdminServer admin;
    /** Micrometer's GC listener, unregistered at close; null without metrics. */
    private final AutoCloseable gcMetrics;
    private final List<DataLock> locks = new ArrayList<>();

    private NodeRunner(P2pNode node, AdminServer admin, AutoCloseable gcMetrics) {
        this.node = node;
        this.admin = admin;
        this.gcMetrics = gcMetrics;
    }

    /**
     * Starts everything the config describes.
     *
     * @throws ConfigException        for a config the library rejects (naming the key)
     * @throws java.io.UncheckedIOException if the listen or metrics address cannot be bound
     */
    public static NodeRunner start(NodeConfigFile c, Transport transport) throws IOException {
        return start(c, transport, 0);
    }

    /**
     * Like {@link #start(NodeConfigFile, Transport)}, first producing {@code produceBlocks} blocks of
     * {@link #PRODUCED_BLOCK_SIZE} bytes on every chain: a source for other nodes to sync from (a
     * testbed; the blocks are the same on every node that produces them).
     */
    public static NodeRunner start(NodeConfigFile c, Transport transport, int produceBlocks) throws IOException {
        Path identityFile = writableFile("identity", c.identity());
        Path peerDbFile = writableFile("peerDb", c.peerDb());
        List<DataLock> locks = new ArrayList<>();
        try {
            locks.add(DataLock.acquire("identity", identityFile));
            locks.add(DataLock.acquire("peerDb", peerDbFile));
            NodeRunner runner = start(c, transport, identityFile, peerDbFile, produceBlocks);
            runner.locks.addAll(locks);
            return runner;
        } catch (IOException | RuntimeException e) {
            locks.forEach(DataLock::close);
            throw e;
        }
    }

    /**
     * A file the node creates or rewrites: its directory is created if missing and must be writable,
     * checked before anything starts (the peer database is written only at shutdown).
     */
    private static Path writableFile(String key, String name) {
        Path file = Path.of(name).toAbsolutePath();
        Path dir = file.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot create the directory " + dir + " for " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (!Files.isWritable(dir) || (Files.exists(file) && !Files.isWritable(file))) {
            throw new ConfigException(key, "cannot write " + file + ": " + (Files.isWritable(dir) ? "the file"
                    : "its directory " + dir) + " is not writable by this user");
        }
        return file;
    }

    private static NodeRunner start(NodeConfigFile c, Transport transport, Path identityFile, Path peerDbFile,
                                    int produceBlocks) throws IOException {
        NodeIdentity identity = NodeIdentity.loadOrCreate(identityFile);
        NodeConfigFile.Limits l = c.limits();
        EndpointConfig endpoint = EndpointConfig.builder(identity).listen(c.listen()).advertisedAddress(c.advertise())
                .transport(transport).tls(c.tls()).stripes(c.stripes()).maxStripesPerPeer(l.maxStripesPerPeer())
                .maxInboundConnections(l.maxInboundConnections()).maxInboundPerIp(l.maxInboundPerIp())
                .handshakeTimeout(l.handshakeTimeout()).idleTimeout(l.idleTimeout())
                .keepAliveInterval(l.keepAliveInterval()).unusedConnectionTimeout(l.unusedConnectionTimeout())
                .handshakeRate(RateLimit.of(l.handshakeRate(), Duration.ofSeconds(10))).limitLoopback(l.limitLoopback())
                .abuseBudgetPerAddress(l.abuseBudgetPerAddress()).abuseBudgetPerBlock(4 * l.abuseBudgetPerAddress())
                .mux(MuxConfig.builder().writeTimeout(l.writeTimeout()).messageTimeout(l.messageTimeout()).build())
                .build();
        List<PeerAddress> bootstrap = new ArrayList<>();
        for (String b : c.bootstrap()) {
            bootstrap.add(PeerAddress.parse(b));
        }
        P2pNode node = P2pNode.start(NodeConfig.builder(endpoint).peerDbFile(peerDbFile)
                .bootstrap(bootstrap).maxPeers(l.maxPeers()).maxStartsInFlight(l.maxStartsInFlight()).build());
        NetworkConfig network = NetworkConfig.builder().targetDegree(c.network().degree())
                .maxInboundSessions(c.network().maxInbound()).sessionTimeout(c.network().sessionTimeout())
                .sharingAware(c.network().sharingAware()).build();
        ChainDbConfig dbConfig = ChainDbConfig.builder().build();
        Map<String, ChainDb> chains = new LinkedHashMap<>();
        FetchWindow fetchWindow = FetchWindow.defaults(); // one for the node: its chains catch up at its pace
        for (String chain : c.chains().names()) {
            ChainDb db = new ChainDb(chain, dbConfig);
            db.produce(produceBlocks, PRODUCED_BLOCK_SIZE);
            chains.put(chain, db);
            NetworkId id = NetworkId.of(chain, c.network().protocol(), SyncCodec.VERSION);
            node.join(id, network, new SyncSession(db, dbConfig, ByteBufAllocator.DEFAULT, fetchWindow), new SyncResponder(db, dbConfig));
        }
        AdminServer admin = null;
        AutoCloseable gcMetrics = null;
        if (!c.metrics().isEmpty()) {
            PrometheusMeterRegistry registry = ProcessMetrics.newRegistry();
            EndpointMetrics endpointMetrics = new EndpointMetrics(node.broker().endpoint(), registry);
            P2pMetrics.bind(node, chains, fetchWindow, registry);
            gcMetrics = ProcessMetrics.bind(registry);
            try {
                admin = new AdminServer(PeerAddress.parse(c.metrics()).toSocketAddress(), registry,
                        endpointMetrics::refresh, () -> status(node));
            } catch (IOException e) {
                node.close();
                throw new IOException("cannot serve metrics on " + c.metrics() + ": " + e.getMessage(), e);
            }
        }
        NodeRunner runner = new NodeRunner(node, admin, gcMetrics);
        runner.chains.putAll(chains);
        log.info("node {} serving {} chain{}; peer DB {}", identity.peerId(), chains.size(), chains.size() == 1 ? "" : "s",
                peerDbFile);
        return runner;
    }

    /** {@code /peers}: endpoint status per peer, with the networks each peer has sessions with us on. */
    static List<PeerStatus> status(P2pNode node) {
        Map<PeerId, Map<String, Integer>> perPeer = new TreeMap<>();
        for (P2pNetwork net : node.networks()) {
            for (PeerId p : net.outgoingPeers()) {
                perPeer.computeIfAbsent(p, k -> new TreeMap<>()).merge(net.id().wire(), 1, Integer::sum);
            }
        }
        List<PeerStatus> rows = new ArrayList<>();
        for (PeerStatus s : PeerStatus.of(node.broker().endpoint())) {
            rows.add(s.withNetworks(perPeer.getOrDefault(PeerId.parse(s.peer()), Map.of())));
        }
        return rows;
    }

    public P2pNode node() {
        return node;
    }

    public Map<String, ChainDb> chains() {
        return chains;
    }

    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    @Override
    public void close() {
        log.info("shutting down: GO_AWAY to every peer, saving the peer database");
        node.close();
        if (admin != null) {
            admin.close();
        }
        if (gcMetrics != null) {
            try {
                gcMetrics.close();
            } catch (Exception e) {
                log.debug("closing the GC metrics: {}", e.toString());
            }
        }
        locks.forEach(DataLock::close);
    }
}
