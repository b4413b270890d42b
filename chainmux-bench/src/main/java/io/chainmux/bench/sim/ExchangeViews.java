package io.chainmux.bench.sim;

import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.p2p.PeerExchange;
import io.chainmux.p2p.PeerExchangeConfig;

import java.util.Arrays;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * What each node knows when it learns peers by peer exchange rather than from a full membership list:
 * a model of the exchange with the node's own limits ({@link PeerExchangeConfig#defaults()}). A new
 * node knows the bootstrap seeds; each exchange asks two known peers, each of which learns the asker
 * and answers its list (without the asker, in an order salted per responder) from the point the node's
 * own {@link PeerExchange#rotation} gives for that asker, wrapping around; the asker reads at most
 * {@code maxPeers} entries and keeps at most {@code maxNewPeers} unknown ones. Busy refusals name up to
 * {@code busyAlternatives} peers, which are learned too. Departed peers stay known (the node finds out
 * when a dial fails).
 *
 * <p>Each view is kept sorted by the owner's salted order, so answering is a scan from one point.
 */
final class ExchangeViews {
    static final int SEEDS = 3;
    private static final int ASKED_PER_EXCHANGE = 2;

    private final int maxPeers;
    private final int maxNewPeers;
    private final int[][] view;
    private final int[] length;
    private final long[][] knows;
    private final int[] salt;
    private final IntFunction<PeerId> ids;

    ExchangeViews(int capacity, PeerExchangeConfig config, long seed, IntFunction<PeerId> ids) {
        this.ids = ids;
        this.maxPeers = config.maxPeers();
        this.maxNewPeers = config.maxNewPeers();
        this.view = new int[capacity][];
        this.length = new int[capacity];
        this.knows = new long[capacity][];
        this.salt = new int[capacity];
        Random r = new Random(seed);
        for (int i = 0; i < capacity; i++) {
            salt[i] = r.nextInt();
        }
    }

    /** A new node: it knows the seeds (the seeds themselves know each other). */
    void add(int node) {
        view[node] = new int[16];
        knows[node] = new long[(view.length + 63) >>> 6];
        for (int s = 0; s < SEEDS && s < view.length; s++) {
            if (s != node && view[s] != null) {
                learn(node, s);
                if (node < SEEDS) {
                    learn(s, node);
                }
            }
        }
    }

    int size(int node) {
        return length[node];
    }

    /** The node's known peers, in its salted order; valid until it learns more. */
    int[] peers(int node) {
        return view[node];
    }

    boolean knows(int node, int peer) {
        return (knows[node][peer >>> 6] & (1L << peer)) != 0;
    }

    /** One exchange by {@code node}: asks two known peers that are up. */
    void exchange(int node, Random random, IntPredicate up) {
        int asked = 0;
        int first = -1;
        for (int attempt = 0; asked < ASKED_PER_EXCHANGE && attempt < 8 && length[node] > 0; attempt++) {
            int m = view[node][random.nextInt(length[node])];
            if (m == first || !up.test(m)) {
                continue; // a departed peer: the dial fails and nothing is learned from it
            }
            first = m;
            asked++;
            learn(m, node);
            int[] list = view[m];
            int len = length[m];
            int self = 0; // the responder's list leaves out the requester (it knows it: learned above)
            while (self < len && list[self] != node) {
                self++;
            }
            int size = self < len ? len - 1 : len;
            int start = PeerExchange.rotation(ids.apply(node), salt[m], size);
            int fresh = 0;
            for (int i = 0; i < size && i < maxPeers && fresh < maxNewPeers; i++) {
                int k = (start + i) % size;
                if (learn(node, list[k < self ? k : k + 1])) {
                    fresh++;
                }
            }
        }
    }

    /** Learns up to {@code count} random peers of {@code from} (a busy refusal's alternatives). */
    void learnAlternatives(int node, int from, int count, Random random) {
        int len = length[from];
        for (int i = 0; i < count && len > 0; i++) {
            learn(node, view[from][random.nextInt(len)]);
        }
    }

    /** Adds {@code peer} to {@code node}'s view; false if known already or itself. */
    boolean learn(int node, int peer) {
        if (peer < 0 || peer == node || knows(node, peer)) {
            return false;
        }
        knows[node][peer >>> 6] |= 1L << peer;
        int key = key(node, peer);
        int[] v = view[node];
        int len = length[node];
        int lo = 0;
        int hi = len;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (key(node, v[mid]) < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (len == v.length) {
            v = Arrays.copyOf(v, len * 2);
            view[node] = v;
        }
        System.arraycopy(v, lo, v, lo + 1, len - lo);
        v[lo] = peer;
        length[node] = len + 1;
        return true;
    }

    private int key(int node, int peer) {
        return (int) Permutation.mix(((long) peer << 32) ^ salt[node]);
    }
}
