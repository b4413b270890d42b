package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.broker.SessionContext;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A responder answers each requester from its own point of the list, so the new nodes one seed
 * answers learn different peers, and one requester paging through still reads every peer once.
 * Real requester against real responder over an in-memory session pair; fixed ids: deterministic.
 */
class PeerExchangeRotationTest {
    private static final int KNOWN = 100;

    static PeerId id(int n) {
        return PeerId.of(ByteBuffer.allocate(PeerId.KEY_LENGTH).putInt(0x5eed).putInt(n).array());
    }

    static PeerAddress address(int n) {
        return new PeerAddress("198.51." + (n >>> 8 & 255) + "." + (n & 255), 7000, id(n));
    }

    /** A seed that knows {@link #KNOWN} peers (ids 1000+). */
    static PeerExchange seed(PeerExchangeConfig config) {
        PeerDb db = new PeerDb(id(1), Clock.systemUTC(), 5, Duration.ofHours(12));
        for (int i = 0; i < KNOWN; i++) {
            assertThat(db.add(address(1000 + i), false)).isTrue();
        }
        return new PeerExchange(db, config, () -> null, 42);
    }

    /** Runs one exchange of a new node {@code requester} against {@code seed}; returns the peers it stored. */
    static Set<PeerId> exchange(PeerExchange seed, int requester, PeerExchangeConfig config, int budget) throws Exception {
        PeerDb db = new PeerDb(id(requester), Clock.systemUTC(), 5, Duration.ofHours(12), 10_000, budget);
        PeerExchange mine = new PeerExchange(db, config, () -> null, requester);
        Pipe toSeed = new Pipe(id(requester));
        Pipe toRequester = new Pipe(id(1));
        toSeed.other = toRequester;
        toRequester.other = toSeed;
        seed.responder().run(toSeed); // served as the requester sends; never completes here (no close)
        SessionOutcome outcome = mine.requester().run(toRequester).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(outcome.success()).as(outcome.reason()).isTrue();
        return db.snapshot().stream().map(PeerInfo::id).collect(Collectors.toSet());
    }

    @Test
    void newNodesLearnDifferentPeersFromTheSameSeed() throws Exception {
        PeerExchangeConfig config = PeerExchangeConfig.defaults(); // each requester keeps at most 32 new peers
        PeerExchange seed = seed(config);
        Set<PeerId> union = new HashSet<>();
        Set<Set<PeerId>> distinctViews = new HashSet<>();
        for (int r = 0; r < 20; r++) {
            Set<PeerId> learned = exchange(seed, 2000 + r, config, 10_000);
            assertThat(learned).hasSize(config.maxNewPeers());
            union.addAll(learned);
            distinctViews.add(learned);
        }
        // answered from the start of one list, all 20 would hold the same 32 peers
        assertThat(distinctViews).as("views of 20 new nodes").hasSizeGreaterThan(15);
        assertThat(union).as("peers learned by 20 new nodes, of " + KNOWN).hasSizeGreaterThan(90);
    }

    @Test
    void pagingFromTheRotatedStartReadsEveryPeerOnce() throws Exception {
        PeerExchangeConfig config = new PeerExchangeConfig(16, 512, 512, PeerExchangeConfig.defaults().network());
        PeerExchange seed = seed(config);
        for (int r = 0; r < 5; r++) {
            Set<PeerId> learned = exchange(seed, 3000 + r, config, 10_000);
            assertThat(learned).as("every peer, across 7 pages and the wrap").hasSize(KNOWN);
        }
    }

    @Test
    void theSourceBudgetStillBoundsWhatOneResponderIntroduces() throws Exception {
        PeerExchangeConfig config = new PeerExchangeConfig(16, 512, 512, PeerExchangeConfig.defaults().network());
        assertThat(exchange(seed(config), 4000, config, 7)).hasSize(7);
    }

    @Test
    void rotationIsStablePerRequesterAndInRange() {
        for (int size : List.of(1, 2, 7, 100, 4096)) {
            Set<Integer> starts = new HashSet<>();
            for (int r = 0; r < 64; r++) {
                int s = PeerExchange.rotation(id(r), 42, size);
                assertThat(s).isBetween(0, size - 1).isEqualTo(PeerExchange.rotation(id(r), 42, size));
                starts.add(s);
            }
            assertThat(starts).hasSizeGreaterThanOrEqualTo(Math.min(size, 64) / 2);
        }
        assertThat(PeerExchange.rotation(id(1), 42, 0)).isZero();
    }

    /** One side of an in-memory session: what it sends is what the other side receives. */
    static final class Pipe implements SessionContext {
        final PeerId peer;
        Pipe other;
        final Queue<ByteBuf> inbox = new ArrayDeque<>();
        final Queue<CompletableFuture<ByteBuf>> waiting = new ArrayDeque<>();

        Pipe(PeerId peer) {
            this.peer = peer;
        }

        @Override
        public PeerId peer() {
            return peer;
        }

        @Override
        public NetworkId network() {
            return PeerExchange.NETWORK;
        }

        @Override
        public CompletionStage<Void> send(ByteBuf message) {
            CompletableFuture<ByteBuf> w = other.waiting.poll();
            if (w != null) {
                w.complete(message);
            } else {
                other.inbox.add(message);
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<ByteBuf> receive() {
            ByteBuf m = inbox.poll();
            if (m != null) {
                return CompletableFuture.completedFuture(m);
            }
            CompletableFuture<ByteBuf> f = new CompletableFuture<>();
            waiting.add(f);
            return f;
        }

        @Override
        public Executor executor() {
            return Runnable::run;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("203.0.113.7", 7000);
        }
    }
}
