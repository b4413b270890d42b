package io.chainmux.bench.scale;

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
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node under test: a {@link P2pNode} with the node's library defaults, one chain database and
 * sync network per chain, and the latency-sensitive small-message network {@link #PING}. Its key
 * and peer database live in a directory, so a restart keeps both. Thread-safe figures.
 */
final class NodeUnderTest implements AutoCloseable {
    static final NetworkId PING = NetworkId.of("_", "scale-ping", 1);
    /** Small-message sessions end on their own before the network's shortest timeout (240 s - 10 %). */
    static final Duration PING_LIFETIME = Duration.ofSeconds(180);

    /** Full collections per {@link #measure()}: one of every four compacts the whole heap. */
    static final int FULL_GCS = 4;

    private final int degree;
    private final int pingDegree;
    private final List<ChainDb> chains = new ArrayList<>();
    private final List<P2pNetwork> chainNetworks = new ArrayList<>();
    private final P2pNetwork pingNetwork;
    private final PingStats ping = new PingStats();
    private final ScheduledExecutorService ticker;
    private final P2pNode node;
    private volatile boolean sending;

    NodeUnderTest(ScaleMode mode, int chainCount, int degree, int pingDegree, int stripes, int blockSize,
                  double msgRate, int msgSize, Path dir) throws IOException {
        this.degree = degree;
        this.pingDegree = pingDegree;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scale-ping-ticker");
            t.setDaemon(true);
            return t;
        });
        NodeIdentity identity = NodeIdentity.loadOrCreate(dir.resolve("node.key"));
        EndpointConfig ec = EndpointConfig.builder(identity).listen("127.0.0.1:0").stripes(stripes)
                .connectionPerStream(mode == ScaleMode.UNSHARED).build();
        node = P2pNode.start(NodeConfig.builder(ec).peerDbFile(dir.resolve("peers.db")).build());
        ChainDbConfig dbConfig = chainDbConfig(blockSize);
        NetworkConfig chainNet = NetworkConfig.builder().targetDegree(degree).build();
        FetchWindow fetchWindow = FetchWindow.defaults(); // one for the node, as NodeRunner does
        for (int c = 0; c < chainCount; c++) {
            ChainDb db = new ChainDb(Integer.toString(c), dbConfig);
            chains.add(db);
            chainNetworks.add(node.join(SyncCodec.network(db.chainId()), chainNet, new SyncSession(db, dbConfig, ByteBufAllocator.DEFAULT, fetchWindow),
                    new SyncResponder(db, dbConfig)));
        }
        pingNetwork = node.join(PING, NetworkConfig.builder().targetDegree(pingDegree).dispatch(Dispatch.PRIORITY).build(),
                new PingSession(ping, ticker, msgSize, msgRate, PING_LIFETIME, () -> sending, ByteBufAllocator.DEFAULT),
                new PingEcho());
    }

    /** The library's chain-database defaults, with blocks of {@code blockSize} (peers use the same). */
    static ChainDbConfig chainDbConfig(int blockSize) {
        ChainDbConfig d = ChainDbConfig.defaults();
        return d.toBuilder().payloadSize(blockSize).maxPayloadSize(Math.max(blockSize, d.maxPayloadSize())).build();
    }

    PeerAddress address() {
        return node.address();
    }

    /** Adds peers to the peer database (sticky): the networks start asking them. */
    void connect(List<PeerAddress> peers) {
        for (PeerAddress p : peers) {
            node.peerDb().add(p, true);
        }
    }

    void sending(boolean on) {
        sending = on;
    }

    void phase(String name) {
        ping.phase(name);
    }

    /** Closes every TCP connection at once, as a partition would; returns how many. */
    int cut() {
        List<Channel> channels = new ArrayList<>();
        for (PeerConnection pc : node.broker().endpoint().peers()) {
            for (MuxConnection m : pc.connections()) {
                if (m.channel() != null) {
                    channels.add(m.channel());
                }
            }
        }
        channels.forEach(Channel::close);
        return channels.size();
    }

    /** The figures now (cheap: no GC). */
    Map<String, Object> status() {
        int atDegree = 0;
        int minDegree = Integer.MAX_VALUE;
        long heightSum = 0;
        long bytesSynced = 0;
        long ok = 0, failed = 0, active = 0, openFailures = 0, inbound = 0;
        Map<String, Long> reasons = new TreeMap<>();
        for (int i = 0; i < chainNetworks.size(); i++) {
            NetworkStats s = chainNetworks.get(i).stats();
            int out = s.activeOutgoing();
            atDegree += out >= degree ? 1 : 0;
            minDegree = Math.min(minDegree, out);
            ok += s.sessionsOk();
            failed += s.sessionsFailed();
            active += out;
            openFailures += s.openFailures();
            inbound += s.activeInbound();
            s.failuresByReason().forEach((k, v) -> reasons.merge(k, v, Long::sum));
            ChainDb db = chains.get(i);
            heightSum += db.height();
            SyncStats.Snapshot sync = db.stats().snapshot();
            bytesSynced += sync.bytesReceived();
        }
        NetworkStats p = pingNetwork.stats();
        p.failuresByReason().forEach((k, v) -> reasons.merge("ping " + k, v, Long::sum));
        long wireIn = 0, wireOut = 0;
        int stripes = 0, unstriped = 0;
        for (PeerConnection pc : node.broker().endpoint().peers()) {
            stripes += pc.stripeCount();
            unstriped += pc.unstripedCount();
            for (MuxConnection m : pc.connections()) {
                wireIn += m.stats().bytesIn();
                wireOut += m.stats().bytesOut();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uptime_s", ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
        m.put("chains_at_degree", atDegree);
        m.put("min_degree", minDegree == Integer.MAX_VALUE ? 0 : minDegree);
        m.put("ping_active", p.activeOutgoing());
        m.put("ping_at_degree", p.activeOutgoing() >= pingDegree);
        m.put("streams", node.streams());
        m.put("tcp", stripes + unstriped);
        m.put("unstriped", unstriped);
        m.put("handshakes", node.broker().endpoint().stats().handshakesCompleted());
        m.put("height_sum", heightSum);
        m.put("bytes_synced", bytesSynced);
        m.put("sessions_active", active + p.activeOutgoing());
        m.put("sessions_ok", ok + p.sessionsOk());
        m.put("sessions_failed", failed + p.sessionsFailed());
        m.put("inbound_active", inbound);
        m.put("open_failures", openFailures + p.openFailures());
        m.put("failed_by_reason", reasons);
        m.put("wire_in", wireIn);
        m.put("wire_out", wireOut);
        m.put("ping_sent", ping.sent.sum());
        m.put("ping_echoed", ping.echoed.sum());
        m.put("ping_lost", ping.lost.sum());
        m.put("ping_reported", ping.reported.sum());
        return m;
    }

    /**
     * Memory after a full collection, and threads. The heap figure is the least used after each of
     * {@value #FULL_GCS} full collections in a row: the serial and parallel collectors' full
     * collection leaves up to {@code MarkSweepDeadRatio} (5 %) of the old generation's dead objects in
     * place as filler arrays, except every {@code MarkSweepAlwaysCompactCount}-th (4th) one, which
     * compacts all; one figure alone varied by up to 5 % of the heap with where it fell in that count.
     */
    Map<String, Object> measure() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long heapAfterGc = Long.MAX_VALUE;
        for (int i = 0; i < FULL_GCS; i++) {
            System.gc();
            heapAfterGc = Math.min(heapAfterGc, memory.getHeapMemoryUsage().getUsed());
        }
        long direct = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                direct += b.getMemoryUsed();
            }
        }
        long nettyDirect = PlatformDependent.usedDirectMemory();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heap_after_gc", heapAfterGc);
        m.put("heap_committed", memory.getHeapMemoryUsage().getCommitted());
        m.put("non_heap", memory.getNonHeapMemoryUsage().getUsed());
        m.put("direct", direct + Math.max(0, nettyDirect));
        m.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        return m;
    }

    Map<String, Map<String, Double>> latencies() {
        return ping.latencies();
    }

    /** One phase's round trips one by one ({@link PingStats#samples}). */
    List<double[]> samples(String phase) {
        return ping.samples(phase);
    }

    @Override
    public void close() {
        sending = false;
        try {
            node.close();
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
