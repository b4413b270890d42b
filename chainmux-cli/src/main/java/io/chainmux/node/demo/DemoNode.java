package io.chainmux.node.demo;

import io.chainmux.broker.BrokerConfig;
import io.chainmux.broker.Dispatch;
import io.chainmux.broker.NetworkId;
import io.chainmux.chaindb.ChainDb;
import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.FetchWindow;
import io.chainmux.chaindb.SyncCodec;
import io.chainmux.chaindb.SyncResponder;
import io.chainmux.chaindb.SyncSession;
import io.chainmux.chaindb.SyncStats;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.MuxConnection;
import io.chainmux.p2p.NetworkConfig;
import io.chainmux.p2p.NetworkStats;
import io.chainmux.p2p.NodeConfig;
import io.chainmux.p2p.P2pNetwork;
import io.chainmux.p2p.P2pNode;
import io.chainmux.p2p.PeerExchangeConfig;
import io.netty.buffer.ByteBufAllocator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * One node of the demo: a {@link P2pNode} with one chain database and sync network per chain and the
 * small-message network {@link #GOSSIP}. Every node but the late one produces its chains before it
 * starts, so it serves them whole from the first connection.
 *
 * <p>Thread-safe: reports may be taken from any thread while the node runs.
 */
public final class DemoNode implements AutoCloseable {
    /** The small-message network: one for all chains (see docs/DEMO.md for why not one per chain). */
    public static final NetworkId GOSSIP = NetworkId.of("_", "gossip", 1);
    /** Sync and gossip sessions end cleanly after this (jittered +-10 %) and are replaced: some churn. */
    static final Duration SESSION_LIFETIME = Duration.ofSeconds(30);

    /** Threads of one node: in one JVM every node gets few, in its own process the machine's share. */
    public record Threads(int io, int workers) {
        public static Threads inJvm() {
            return new Threads(1, 2);
        }

        public static Threads ownProcess() {
            int cores = Runtime.getRuntime().availableProcessors();
            return new Threads(Math.max(1, Math.min(2, cores)), Math.max(2, cores));
        }
    }

    private final DemoSettings settings;
    private final int index;
    private final boolean late;
    private final long startedAtMillis;
    private final List<ChainDb> chains;
    private final List<P2pNetwork> chainNetworks = new ArrayList<>();
    private final P2pNetwork gossipNetwork;
    private final GossipStats gossip = new GossipStats();
    private final GossipSession gossipSession;
    private final ScheduledExecutorService ticker;
    private final P2pNode node;
    private volatile boolean stopGossip;

    private DemoNode(DemoSettings settings, int index, List<ChainDb> chains, List<PeerAddress> bootstrap,
                     Threads threads) {
        this.settings = settings;
        this.index = index;
        this.late = index == settings.lateNode();
        this.chains = chains;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-node-" + index + "-ticker");
            t.setDaemon(true);
            return t;
        });
        int inbound = Math.max(64, 2 * settings.nodes() * settings.stripes());
        EndpointConfig ec = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0")
                .ioThreads(threads.io()).stripes(settings.stripes()).maxInboundPerIp(inbound)
                .maxInboundConnections(inbound).shutdownGrace(Duration.ofMillis(500)).build();
        NodeConfig nc = NodeConfig.builder(ec).bootstrap(bootstrap)
                .broker(BrokerConfig.defaults().withWorkerThreads(threads.workers()).withCloseGrace(Duration.ofSeconds(2)))
                .exchange(fastExchange()).build();
        this.node = P2pNode.start(nc);
        this.startedAtMillis = System.currentTimeMillis();
        try {
            ChainDbConfig dbConfig = settings.chainDbConfig();
            // A sync session follows its peer (long polls for new blocks) until the network cuts it, cleanly,
            // at SESSION_LIFETIME (jittered): a timeout is a success, and the slot is refilled.
            NetworkConfig chainNet = network(settings.degree()).toBuilder().sessionTimeout(SESSION_LIFETIME)
                    .maxMessageSize(Math.max(NetworkConfig.defaults().maxMessageSize(), dbConfig.maxBatchBytes())).build();
            FetchWindow fetchWindow = FetchWindow.defaults(); // one for the node: its chains catch up at its pace
            for (ChainDb db : chains) {
                chainNetworks.add(node.join(SyncCodec.network(db.chainId()), chainNet,
                        new SyncSession(db, dbConfig, ByteBufAllocator.DEFAULT, fetchWindow), new SyncResponder(db, dbConfig)));
            }
            gossipSession = new GossipSession(gossip, ticker, settings.msgSize(), settings.msgRate(), SESSION_LIFETIME,
                    () -> stopGossip, ByteBufAllocator.DEFAULT);
            // Latency-sensitive: its sessions run on the broker's priority pool, not behind block hashing.
            gossipNetwork = node.join(GOSSIP, network(settings.gossipDegree()).toBuilder().dispatch(Dispatch.PRIORITY)
                            .build(), gossipSession,
                    new GossipEcho(gossip, settings.msgSize()));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Produces the chains (unless this is the late node, which starts empty), then starts the node and
     * joins every network.
     *
     * @param bootstrap peers to start from (the first node's address; empty for the first node)
     */
    public static DemoNode start(DemoSettings settings, int index, List<PeerAddress> bootstrap, Threads threads) {
        return start(settings, index, bootstrap, threads, chain -> { });
    }

    /** @param produced called after each chain is produced, with the number produced so far */
    public static DemoNode start(DemoSettings settings, int index, List<PeerAddress> bootstrap, Threads threads,
                                 IntConsumer produced) {
        ChainDbConfig dbConfig = settings.chainDbConfig();
        boolean late = index == settings.lateNode();
        List<ChainDb> chains = new ArrayList<>(settings.chains());
        for (int c = 0; c < settings.chains(); c++) {
            ChainDb db = new ChainDb(Integer.toString(c), dbConfig);
            if (!late) {
                db.produce(settings.blocks(), settings.blockSize());
                produced.accept(c + 1);
            }
            chains.add(db);
        }
        return new DemoNode(settings, index, chains, bootstrap, threads);
    }

    /** Sessions that hold (ended by their own lifetime), refilled and retried quickly. */
    private static NetworkConfig network(int degree) {
        return NetworkConfig.builder().targetDegree(degree).maxInboundSessions(Math.max(16, 4 * degree))
                .sessionTimeout(NetworkConfig.MAX_SESSION_TIMEOUT).restartDelay(Duration.ofMillis(200))
                .requestInterval(Duration.ofMillis(200)).backoffBase(Duration.ofMillis(200))
                .backoffMax(Duration.ofSeconds(2)).build();
    }

    /** Peer exchange every 200 ms, so the nodes find each other within a second or two. */
    private static PeerExchangeConfig fastExchange() {
        PeerExchangeConfig d = PeerExchangeConfig.defaults();
        return d.withNetwork(d.network().toBuilder().restartDelay(Duration.ofMillis(200))
                .requestInterval(Duration.ofMillis(200)).backoffBase(Duration.ofMillis(200))
                .backoffMax(Duration.ofSeconds(2)).build());
    }

    public int index() {
        return index;
    }

    public PeerAddress address() {
        return node.address();
    }

    public void phase(GossipStats.Phase p) {
        gossip.phase(p);
    }

    /** Small-message sessions stop sending, wait for their echoes and end; new ones stay quiet. */
    public void stopGossip() {
        stopGossip = true;
    }

    /** The figures now. */
    public NodeReport report() {
        long target = settings.blocks();
        int atTarget = 0;
        long heightSum = 0;
        long[] heights = late ? new long[chains.size()] : null;
        long synced = 0, received = 0, served = 0, servedBytes = 0, lastAppend = 0;
        for (int i = 0; i < chains.size(); i++) {
            ChainDb db = chains.get(i);
            long h = db.height();
            heightSum += h;
            if (h >= target) {
                atTarget++;
            }
            if (heights != null) {
                heights[i] = h;
            }
            SyncStats.Snapshot s = db.stats().snapshot();
            synced += s.blocksSynced();
            received += s.bytesReceived();
            served += s.blocksServed();
            servedBytes += s.bytesServed();
            if (s.lastAppend() != null) {
                lastAppend = Math.max(lastAppend, s.lastAppend().toEpochMilli());
            }
        }
        long wireIn = 0, wireOut = 0;
        for (PeerConnection pc : node.broker().endpoint().peers()) {
            for (MuxConnection m : pc.stripedConnections()) {
                wireIn += m.stats().bytesIn();
                wireOut += m.stats().bytesOut();
            }
        }
        int active = 0, minDegree = Integer.MAX_VALUE;
        long ok = 0, failed = 0, inOk = 0, inFailed = 0;
        Map<String, Long> reasons = new TreeMap<>();
        gossipNetwork.stats().failuresByReason().forEach((k, v) -> reasons.merge(k, v, Long::sum));
        for (P2pNetwork n : chainNetworks) {
            NetworkStats s = n.stats();
            s.failuresByReason().forEach((k, v) -> reasons.merge(k, v, Long::sum));
            active += s.activeOutgoing();
            minDegree = Math.min(minDegree, s.activeOutgoing());
            ok += s.sessionsOk();
            failed += s.sessionsFailed();
            inOk += s.inboundOk();
            inFailed += s.inboundFailed();
        }
        NetworkStats g = gossipNetwork.stats();
        return new NodeReport(index, node.id().toString(), String.valueOf(node.address()), late, startedAtMillis,
                System.currentTimeMillis(), atTarget, heightSum, heights, synced, received, served, servedBytes,
                lastAppend, wireIn, wireOut, node.tcpConnections(), node.connectedPeers(), node.streams(),
                active, minDegree == Integer.MAX_VALUE ? 0 : minDegree, ok, failed, inOk, inFailed,
                g.activeOutgoing(), gossipSession.running(), g.sessionsOk(), g.sessionsFailed(), gossip.sent.sum(),
                gossip.echoed.sum(), gossip.received.sum(), gossip.lost.sum(), gossip.corrupt.sum(),
                gossip.failedReported.sum(), gossip.skipped.sum(), Histograms.encode(gossip.takeInterval()), reasons, null);
    }

    /** The figures now, plus every chain re-verified from its genesis and the latencies per phase. */
    public NodeReport finalReport() {
        return finalReport(n -> { });
    }

    /**
     * {@link #finalReport()}, calling {@code verified} with the number of chains verified so far after
     * each chain.
     */
    public NodeReport finalReport(IntConsumer verified) {
        NodeReport r = report();
        int valid = 0, full = 0, done = 0;
        long checked = 0;
        String problem = "";
        for (ChainDb db : chains) {
            ChainDb.Verification v = db.verifyAll();
            checked += v.blocksChecked();
            if (v.valid()) {
                valid++;
            } else if (problem.isEmpty()) {
                problem = "chain " + db.chainId() + ": " + v.problem();
            }
            if (db.height() == settings.blocks()) {
                full++;
            } else if (problem.isEmpty()) {
                problem = "chain " + db.chainId() + " is at height " + db.height() + ", not " + settings.blocks();
            }
            verified.accept(++done);
        }
        Map<String, String> latency = new LinkedHashMap<>();
        for (GossipStats.Phase p : GossipStats.Phase.values()) {
            latency.put(p.name().toLowerCase(java.util.Locale.ROOT), Histograms.encode(gossip.phaseCopy(p)));
        }
        return r.withFinal(new NodeReport.Final(valid, full, checked, problem, latency));
    }

    @Override
    public void close() {
        stopGossip = true;
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
