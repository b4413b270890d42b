package io.chainmux.p2p;

import io.chainmux.broker.NetworkStream;
import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.wire.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static io.chainmux.p2p.Cluster.CHAIN;
import static io.chainmux.p2p.Cluster.ECHO;
import static io.chainmux.p2p.Cluster.PING_AND_HOLD;
import static org.assertj.core.api.Assertions.assertThat;

/** Networks of 5 nodes over loopback: degree, discovery, restart from the peer database. */
class P2pNetworkTest {

    @Test
    void everyNodeReachesItsTargetDegreeOnEveryChain() throws Exception {
        NetworkConfig degree3 = CHAIN.toBuilder().targetDegree(3).build();
        List<NetworkId> chains = Cluster.chains(12);
        try (Cluster c = new Cluster()) {
            P2pNode first = c.start(b -> b);
            for (int i = 1; i < 5; i++) {
                c.start(NodeIdentity.generate(), 2, b -> b.bootstrap(List.of(first.address())));
            }
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (P2pNode n : c.nodes) {
                for (NetworkId id : chains) {
                    ready.add(n.join(id, degree3, PING_AND_HOLD, ECHO).ready());
                }
            }
            Cluster.awaitAll("every node at degree 3 on every chain", ready);
            for (P2pNode n : c.nodes) {
                for (NetworkId id : chains) {
                    P2pNetwork net = n.network(id);
                    Set<PeerId> out = net.outgoingPeers();
                    assertThat(out).as("%s on %s", id, n.id().shortForm()).hasSize(3).doesNotContain(n.id());
                }
                assertThat(n.tcpConnections()).as("TCP connections <= distinct peers x stripes")
                        .isLessThanOrEqualTo(n.connectedPeers() * 2);
            }
        }
    }

    @Test
    void peerExchangeFindsEveryPeerFromOneBootstrapNode() throws Exception {
        try (Cluster c = new Cluster()) {
            P2pNode first = c.start(b -> b);
            for (int i = 1; i < 5; i++) {
                c.start(b -> b.bootstrap(List.of(first.address())));
            }
            List<CompletableFuture<Void>> known = new ArrayList<>();
            for (P2pNode n : c.nodes) {
                known.add(n.peerDb().whenSize(4));
            }
            Cluster.awaitAll("every node knows the 4 others", known);
            for (P2pNode n : c.nodes) {
                assertThat(n.peerDb().snapshot()).extracting(PeerInfo::id).doesNotContain(n.id()).hasSize(4);
            }
        }
    }

    @Test
    void aRestartedNodeReconnectsFromItsPeerDatabaseWithoutBootstrap(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("peers.db");
        List<NetworkId> chains = Cluster.chains(10);
        NodeIdentity identity = NodeIdentity.generate();
        try (Cluster c = new Cluster()) {
            P2pNode first = c.start(b -> b);
            for (int i = 1; i < 4; i++) {
                c.start(b -> b.bootstrap(List.of(first.address())));
            }
            for (P2pNode n : c.nodes) {
                for (NetworkId id : chains) {
                    n.join(id, CHAIN, PING_AND_HOLD, ECHO);
                }
            }
            PeerAddress bootstrap = first.address();
            P2pNode before = P2pNode.start(Cluster.config(identity, 1).peerDbFile(db).bootstrap(List.of(bootstrap)).build());
            try {
                Cluster.awaitAll("learned the 4 peers", List.of(before.peerDb().whenSize(4)));
            } finally {
                before.close();
            }
            assertThat(PeerDbFile.read(db)).hasSize(4);

            P2pNode after = P2pNode.start(Cluster.config(identity, 1).peerDbFile(db).build());
            c.nodes.add(after);
            assertThat(after.peerDb().size()).as("peers loaded from the file").isEqualTo(4);
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (NetworkId id : chains) {
                ready.add(after.join(id, CHAIN, PING_AND_HOLD, ECHO).ready());
            }
            Cluster.awaitAll("the restarted node at degree 2 on every chain", ready);
            assertThat(after.peerDb().get(first.id()).orElseThrow().sticky()).as("no bootstrap this time, but the"
                    + " file remembers it was one").isTrue();
        }
    }

    /**
     * The network runs a session through its callback form: a session that overrides it reports its
     * outcome with no stage (its stage form is never called), and the outcome counts as from a stage.
     */
    @Test
    void aSessionReportsItsOutcomeByCallbackWithoutAStage() throws Exception {
        NetworkId chain = Cluster.chains(1).get(0);
        java.util.concurrent.atomic.AtomicInteger callbackRuns = new java.util.concurrent.atomic.AtomicInteger();
        Session byCallback = new Session() {
            @Override
            public java.util.concurrent.CompletionStage<SessionOutcome> run(io.chainmux.broker.SessionContext ctx) {
                throw new AssertionError("the network must use the callback form");
            }

            @Override
            public void run(io.chainmux.broker.SessionContext ctx,
                            java.util.function.BiConsumer<? super SessionOutcome, ? super Throwable> done) {
                callbackRuns.incrementAndGet();
                ctx.request(io.chainmux.testing.Utf8Messages.text("ping")).whenComplete((reply, e) -> {
                    if (reply != null) {
                        reply.release();
                    }
                    done.accept(e == null ? SessionOutcome.ok() : null, e);
                });
            }
        };
        try (Cluster c = new Cluster()) {
            P2pNode first = c.start(b -> b);
            P2pNode second = c.start(b -> b.bootstrap(List.of(first.address())));
            first.join(chain, CHAIN.toBuilder().targetDegree(1).build(), PING_AND_HOLD, ECHO);
            P2pNetwork net = second.join(chain, CHAIN.toBuilder().targetDegree(1).build(), byCallback, ECHO);
            Cluster.until("two sessions reported ok", () -> net.stats().sessionsOk() >= 2);
            assertThat(net.stats().sessionsOk()).as("sessions reported ok by callback").isGreaterThanOrEqualTo(2);
            assertThat(net.stats().sessionsFailed()).isZero();
            assertThat(callbackRuns.get()).isGreaterThanOrEqualTo(2);
        }
    }

    /** One failed dial used to count as one failure per network waiting for it (1000 chains: 1000 failures). */
    @Test
    void aFailedDialCountsOnceHoweverManyNetworksWaitedForIt() throws Exception {
        NetworkConfig slowRetry = CHAIN.toBuilder().backoffBase(Duration.ofSeconds(60)).backoffMax(Duration.ofSeconds(60))
                .build();
        try (Cluster c = new Cluster();
             java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // The kernel completes the TCP connect; nothing ever answers, so the one dial stays in its
            // handshake until the timeout while every network joins and waits for it.
            PeerAddress down = new PeerAddress("127.0.0.1", silent.getLocalPort(), NodeIdentity.generate().peerId());
            EndpointConfig ec = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").ioThreads(1)
                    .handshakeTimeout(Duration.ofSeconds(2)).shutdownGrace(Duration.ofMillis(200)).build();
            P2pNode node = P2pNode.start(NodeConfig.builder(ec).bootstrap(List.of(down)).build());
            c.nodes.add(node);
            List<P2pNetwork> nets = new ArrayList<>();
            // 20 here; -Dp2p.dialTest.networks=1000 for the design case
            for (NetworkId id : Cluster.chains(Integer.getInteger("p2p.dialTest.networks", 20))) {
                nets.add(node.join(id, slowRetry, PING_AND_HOLD, ECHO));
            }
            Cluster.until("every network saw the dial fail", () -> nets.stream().allMatch(n -> n.stats().openFailures() > 0));
            assertThat(node.peerDb().get(down.expectedPeer()).orElseThrow().successiveFailures())
                    .as("one dial, one failure").isEqualTo(1);
        }
    }

    @Test
    void failedSessionsAreCountedByReason() throws Exception {
        Session fails = ctx -> CompletableFuture.completedStage(SessionOutcome.failed("nothing to do"));
        Session blames = ctx -> CompletableFuture.completedStage(SessionOutcome.misbehaved("bad answer"));
        Session throwing = ctx -> {
            throw new IllegalStateException("bug");
        };
        Session waits = ctx -> ctx.receive().handle((m, e) -> SessionOutcome.failed("receive failed: " + e));
        Session resets = ctx -> {
            ((NetworkStream) ctx).abort(ErrorCode.APPLICATION_ERROR);
            return CompletableFuture.completedStage(SessionOutcome.ok());
        };
        NetworkConfig once = CHAIN.toBuilder().targetDegree(1).build();
        try (Cluster c = new Cluster()) {
            P2pNode a = c.start(b -> b);
            P2pNode b = c.start(x -> x.bootstrap(List.of(a.address())));
            List<NetworkId> ids = Cluster.chains(4);
            P2pNetwork failed = b.join(ids.get(0), once, fails, ECHO);
            P2pNetwork misbehaved = b.join(ids.get(1), once, blames, ECHO);
            P2pNetwork error = b.join(ids.get(2), once, throwing, ECHO);
            P2pNetwork closed = b.join(ids.get(3), once, waits, ECHO);
            for (int i = 0; i < 3; i++) {
                a.join(ids.get(i), once, PING_AND_HOLD, ECHO);
            }
            a.join(ids.get(3), once, PING_AND_HOLD, resets);
            for (P2pNetwork n : List.of(failed, misbehaved, error, closed)) {
                Cluster.until("a failed session on " + n.id(), () -> n.stats().sessionsFailed() > 0);
            }
            assertThat(failed.stats().failuresByReason()).containsOnlyKeys("failed");
            assertThat(misbehaved.stats().failuresByReason()).containsOnlyKeys("misbehaved");
            assertThat(error.stats().failuresByReason()).containsOnlyKeys("error: IllegalStateException");
            assertThat(closed.stats().failuresByReason()).containsOnlyKeys("closed: APPLICATION_ERROR");
            for (P2pNetwork n : List.of(failed, misbehaved, error, closed)) {
                assertThat(n.stats().failuresByReason().values().stream().mapToLong(Long::longValue).sum())
                        .as("reasons add up on %s", n.id()).isLessThanOrEqualTo(n.stats().sessionsFailed());
            }
        }
    }
}
