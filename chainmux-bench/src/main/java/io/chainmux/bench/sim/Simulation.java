package io.chainmux.bench.sim;

import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.p2p.NextPeers;
import io.chainmux.p2p.PeerDb;
import io.chainmux.p2p.PeerExchangeConfig;
import io.chainmux.p2p.PeerInfo;

import java.nio.ByteBuffer;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * N nodes x C chains x degree D in one process, no sockets. Each node's networks choose their peers
 * with the node's own {@link NextPeers} (its eligibility rules and picker); the simulator tells it
 * which peers the node knows and which it has a TCP connection to, and plays everything else:
 *
 * <ul>
 * <li>a TCP connection between two nodes exists while they have a session on any chain, in either
 *     direction (one connection per pair); it lingers over the restart delay, so a slot refilled after
 *     its session ended still sees the old peer as connected;</li>
 * <li>a peer refuses an open busy when it already has {@code maxInbound} inbound sessions on that
 *     chain; an open to a node that left fails; either way the network picks again without that peer;</li>
 * <li>forming: every network of every node fills its degree, in random order over all of them;</li>
 * <li>a round: every session ends once (its timeout) and its slot is refilled, in random order over
 *     all sessions, while {@code churn} of the nodes leave (their sessions end; the peers refill) and
 *     as many new nodes join (learn peers, then form).</li>
 * </ul>
 *
 * <p>Every peer keeps its initial score and no session fails: the simulation measures the choice rule,
 * not scoring. Not thread-safe.
 */
final class Simulation {
    /** A fixed clock: no peer ever fails, so backoffs never apply. */
    private static final long NOW = 1L << 40;
    private static final int MAX_ATTEMPTS = 32;
    private static final int CHAINS_CHECKED = 8;

    private final SimParams p;
    private final SimProgress progress;
    private final int chains;
    private final int degree;
    private final int capacity;
    private final Random random;
    private final PeerInfo[] info;
    private final Map<PeerId, Integer> index = new IdentityHashMap<>();
    /** (node * chains + chain) * degree + k: the peer of that outgoing session, -1 if none. */
    private final int[] out;
    /** node * chains + chain: inbound sessions. */
    private final short[] in;
    /** [node][peer]: sessions between them, either direction; > 0 means a TCP connection. */
    private final char[][] pairs;
    private final int[] distinct;
    private final boolean[] up;
    private final NextPeers[] next;
    private final ExchangeViews views;
    private final int busyAlternatives;
    private int joined;

    // the fill in progress
    private int curNode;
    private int curChain;
    private int failures;
    /** excludedIn[peer] == fillNumber: the peer refused or failed in the fill in progress. */
    private final int[] excludedIn;
    private int fillNumber;
    private final Predicate<PeerId> unavailable = this::unavailable;
    private final Consumer<PeerInfo> start = this::start;
    private final List<PeerInfo> everyone = new AbstractList<>() {
        @Override
        public PeerInfo get(int i) {
            return info[i];
        }

        @Override
        public int size() {
            return joined;
        }
    };
    private final ViewList viewList = new ViewList();

    private long busy;
    private long deadDials;
    private long picks;

    Simulation(SimParams p, SimProgress progress) {
        this.p = p;
        this.progress = progress;
        this.chains = p.chains();
        this.degree = p.degree();
        this.capacity = p.nodes() + p.churnPerRound() * p.rounds();
        long slots = (long) capacity * chains * degree;
        if (slots > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("too many sessions to simulate: " + slots + " (nodes x chains x degree"
                    + " must stay below 2^31)");
        }
        this.random = new Random(p.seed());
        this.out = new int[(int) slots];
        Arrays.fill(out, -1);
        this.in = new short[capacity * chains];
        this.pairs = new char[capacity][];
        this.distinct = new int[capacity];
        this.up = new boolean[capacity];
        this.next = new NextPeers[capacity];
        this.info = new PeerInfo[capacity];
        this.excludedIn = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            PeerId id = PeerId.of(ByteBuffer.allocate(PeerId.KEY_LENGTH).putInt(i).putLong(p.seed()).array());
            PeerAddress a = new PeerAddress("10." + (i >>> 16 & 255) + "." + (i >>> 8 & 255) + "." + (i & 255), 7000, id);
            info[i] = new PeerInfo(id, a, Set.of(), Set.of(), 0, 0, 0, 0, PeerDb.INITIAL_SCORE, false, 0);
            index.put(id, i);
        }
        this.views = p.fullView() ? null : new ExchangeViews(capacity, PeerExchangeConfig.defaults(), p.seed(),
                n -> info[n].id());
        this.busyAlternatives = p.rule().config().busyAlternatives();
    }

    SimResult run() {
        long t0 = System.nanoTime();
        long cpu0 = cpuNanos();
        for (int n = 0; n < p.nodes(); n++) {
            addNode(n);
        }
        if (views != null) {
            progress.phase("peer exchange", (long) p.exchangeRounds() * p.nodes());
            long step = 0;
            for (int r = 0; r < p.exchangeRounds(); r++) {
                Permutation order = new Permutation(p.nodes(), random.nextLong());
                for (int i = 0; i < p.nodes(); i++) {
                    views.exchange((int) order.at(i), random, this::isUp);
                    progress.step(++step);
                }
            }
        }
        Permutation forming = new Permutation((long) p.nodes() * chains, random.nextLong());
        progress.phase("form", forming.size());
        for (long i = 0; i < forming.size(); i++) {
            long nc = forming.at(i);
            fillSlots((int) (nc / chains), (int) (nc % chains));
            if ((i & 1023) == 0) {
                progress.step(i);
            }
        }
        double rotated = 1;
        for (int r = 0; r < p.rounds(); r++) {
            rotated = Math.min(rotated, round(r));
        }
        return measure(rotated, (System.nanoTime() - t0) / 1e9, (cpuNanos() - cpu0) / 1e9);
    }

    /** This thread's CPU time: on a shared machine wall time says little about what a cell costs. */
    private static long cpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        return mx.isCurrentThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : 0;
    }

    /** One session lifetime; returns the share of sessions rotated (1 unless over the budget). */
    private double round(int r) {
        long slots = (long) joined * chains * degree;
        long steps = Math.min(slots, p.rotationBudget());
        Permutation order = new Permutation(slots, random.nextLong());
        int leaves = p.churnPerRound();
        long every = leaves > 0 ? Math.max(1, steps / (leaves + 1)) : Long.MAX_VALUE;
        int left = 0;
        progress.phase("round " + (r + 1) + "/" + p.rounds(), steps);
        for (long i = 0; i < steps; i++) {
            if (i > 0 && i % every == 0 && left < leaves) {
                churnOne();
                left++;
            }
            rotate((int) order.at(i));
            if ((i & 1023) == 0) {
                progress.step(i);
            }
        }
        while (left++ < leaves) {
            churnOne();
        }
        return (double) steps / slots;
    }

    private void rotate(int pos) {
        int n = pos / (chains * degree);
        if (!up[n]) {
            return;
        }
        int c = pos / degree % chains;
        int peer = out[pos];
        if (peer < 0) {
            fillSlots(n, c); // an empty slot: the request side's periodic check tries again
            return;
        }
        out[pos] = -1;
        in[peer * chains + c]--;
        fillSlots(n, c); // the old connection lingers over the restart delay: still "connected" here
        removePair(n, peer);
    }

    private void churnOne() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int n = ExchangeViews.SEEDS + random.nextInt(Math.max(1, joined - ExchangeViews.SEEDS));
            if (n < joined && up[n]) {
                leave(n);
                break;
            }
        }
        if (joined < capacity) {
            join(joined);
        }
    }

    private void leave(int n) {
        up[n] = false;
        for (int c = 0; c < chains; c++) {
            int base = (n * chains + c) * degree;
            for (int k = 0; k < degree; k++) {
                int j = out[base + k];
                if (j >= 0) {
                    out[base + k] = -1;
                    in[j * chains + c]--;
                    removePair(n, j);
                }
            }
        }
        int[] refill = new int[16];
        int refills = 0;
        for (int j = 0; j < joined; j++) {
            if (pairs[n][j] == 0) {
                continue;
            }
            for (int c = 0; c < chains; c++) {
                int base = (j * chains + c) * degree;
                for (int k = 0; k < degree; k++) {
                    if (out[base + k] == n) {
                        out[base + k] = -1;
                        in[n * chains + c]--;
                        removePair(j, n);
                        if (refills == refill.length) {
                            refill = Arrays.copyOf(refill, refills * 2);
                        }
                        refill[refills++] = j * chains + c;
                    }
                }
            }
        }
        for (int i = 0; i < refills; i++) {
            fillSlots(refill[i] / chains, refill[i] % chains);
        }
    }

    private void join(int n) {
        addNode(n);
        if (views != null) {
            for (int r = 0; r < p.exchangeRounds(); r++) {
                views.exchange(n, random, this::isUp);
            }
        }
        Permutation order = new Permutation(chains, random.nextLong());
        for (int i = 0; i < chains; i++) {
            fillSlots(n, (int) order.at(i));
        }
    }

    private void addNode(int n) {
        joined = n + 1;
        up[n] = true;
        pairs[n] = new char[capacity];
        char[] mine = pairs[n];
        next[n] = new NextPeers(p.rule().config(), new Random(Permutation.mix(p.seed() ^ n)),
                id -> mine[index.get(id)] > 0, () -> distinct[n]);
        if (views != null) {
            views.add(n);
        }
    }

    private boolean isUp(int n) {
        return up[n];
    }

    // ------------------------------------------------------------------ the node's request logic

    private void fillSlots(int n, int c) {
        curNode = n;
        curChain = c;
        fillNumber++;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            int need = degree - filled(n, c);
            if (need == 0) {
                return;
            }
            failures = 0;
            int started = next[n].fill(need, known(n), NOW, unavailable, start);
            if (started == 0 || failures == 0) {
                return;
            }
        }
    }

    private List<PeerInfo> known(int n) {
        if (views == null) {
            return everyone;
        }
        viewList.peers = views.peers(n);
        viewList.size = views.size(n);
        return viewList;
    }

    private boolean unavailable(PeerId id) {
        int j = index.get(id);
        if (j == curNode) {
            return true;
        }
        int base = (curNode * chains + curChain) * degree;
        for (int k = 0; k < degree; k++) {
            if (out[base + k] == j) {
                return true;
            }
        }
        return excludedIn[j] == fillNumber;
    }

    private void start(PeerInfo peer) {
        picks++;
        int j = index.get(peer.id());
        int n = curNode;
        int c = curChain;
        if (!up[j] || in[j * chains + c] >= p.maxInbound()) {
            if (up[j]) {
                busy++;
                if (views != null) {
                    views.learnAlternatives(n, j, busyAlternatives, random);
                }
            } else {
                deadDials++;
            }
            excludedIn[j] = fillNumber;
            failures++;
            return;
        }
        int base = (n * chains + c) * degree;
        for (int k = 0; k < degree; k++) {
            if (out[base + k] < 0) {
                out[base + k] = j;
                in[j * chains + c]++;
                addPair(n, j);
                return;
            }
        }
        throw new IllegalStateException("the picker started more sessions than the network needed");
    }

    private int filled(int n, int c) {
        int base = (n * chains + c) * degree;
        int f = 0;
        for (int k = 0; k < degree; k++) {
            if (out[base + k] >= 0) {
                f++;
            }
        }
        return f;
    }

    private void addPair(int a, int b) {
        if (pairs[a][b]++ == 0) {
            distinct[a]++;
        }
        if (pairs[b][a]++ == 0) {
            distinct[b]++;
        }
    }

    private void removePair(int a, int b) {
        if (--pairs[a][b] == 0) {
            distinct[a]--;
        }
        if (--pairs[b][a] == 0) {
            distinct[b]--;
        }
    }

    // ------------------------------------------------------------------ measuring

    private SimResult measure(double rotated, double seconds, double cpuSeconds) {
        int count = 0;
        for (int n = 0; n < joined; n++) {
            if (up[n]) {
                count++;
            }
        }
        double[] peers = new double[count];
        double[] ratio = new double[count];
        long streamSum = 0;
        long distinctSum = 0;
        long unfilled = 0;
        double viewSum = 0;
        int i = 0;
        for (int n = 0; n < joined; n++) {
            if (!up[n]) {
                continue;
            }
            int filledSlots = 0;
            int inbound = 0;
            for (int c = 0; c < chains; c++) {
                filledSlots += filled(n, c);
                inbound += in[n * chains + c];
            }
            unfilled += (long) chains * degree - filledSlots;
            long streams = filledSlots + inbound;
            peers[i] = distinct[n];
            ratio[i] = distinct[n] == 0 ? 0 : (double) streams / distinct[n];
            streamSum += streams;
            distinctSum += distinct[n];
            viewSum += views == null ? joined - 1 : views.size(n);
            i++;
        }
        int checked = Math.min(CHAINS_CHECKED, chains);
        double component = 1;
        for (int k = 0; k < checked; k++) {
            component = Math.min(component, largestComponent((int) ((long) k * chains / checked), count));
        }
        return new SimResult(p, count, Distribution.of(peers), Distribution.of(ratio),
                distinctSum == 0 ? 0 : (double) streamSum / distinctSum, unfilled, busy, deadDials, component,
                checked, count == 0 ? 0 : viewSum / count, rotated, picks, seconds, cpuSeconds);
    }

    /** Share of the nodes up in the largest connected component of chain {@code c}'s sessions. */
    private double largestComponent(int c, int count) {
        int[] parent = new int[joined];
        for (int n = 0; n < joined; n++) {
            parent[n] = n;
        }
        for (int n = 0; n < joined; n++) {
            if (!up[n]) {
                continue;
            }
            int base = (n * chains + c) * degree;
            for (int k = 0; k < degree; k++) {
                int j = out[base + k];
                if (j >= 0 && up[j]) {
                    parent[find(parent, n)] = find(parent, j);
                }
            }
        }
        int[] size = new int[joined];
        int best = 0;
        for (int n = 0; n < joined; n++) {
            if (up[n]) {
                best = Math.max(best, ++size[find(parent, n)]);
            }
        }
        return count == 0 ? 0 : (double) best / count;
    }

    private static int find(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    /** A node's exchange view as the list of peers its networks choose from. */
    private final class ViewList extends AbstractList<PeerInfo> {
        int[] peers;
        int size;

        @Override
        public PeerInfo get(int i) {
            return info[peers[i]];
        }

        @Override
        public int size() {
            return size;
        }
    }
}
