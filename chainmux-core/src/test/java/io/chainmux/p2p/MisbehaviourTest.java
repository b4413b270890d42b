package io.chainmux.p2p;

import io.chainmux.broker.BrokerConfig;
import io.chainmux.broker.ConnectionBroker;
import io.chainmux.broker.NetworkId;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.testing.Utf8Messages;
import io.chainmux.wire.ErrorCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.chainmux.p2p.Cluster.ECHO;
import static io.chainmux.p2p.Cluster.PING;
import static io.chainmux.p2p.Cluster.PING_AND_HOLD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Sessions that throw, hang or send garbage are contained; busy networks name alternatives. */
class MisbehaviourTest {
    static final NetworkId THROWS = NetworkId.of("0", "ping", 1);
    static final NetworkId HANGS = NetworkId.of("1", "ping", 1);
    static final NetworkId GARBAGE = NetworkId.of("2", "ping", 1);

    /** Short ping sessions; a hang is cut after 300 ms and counts as a failure here. */
    static final NetworkConfig SHORT = Cluster.CHAIN.toBuilder().sessionTimeout(Duration.ofMillis(300))
            .timeoutIsSuccess(false).build();

    @Test
    void throwingHangingAndGarbageSessionsAreContainedAndPenalised() throws Exception {
        try (Cluster c = new Cluster()) {
            List<P2pNode> good = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                good.add(c.start(b -> b));
            }
            P2pNode bad = c.start(b -> b);
            for (P2pNode n : c.nodes) {
                for (P2pNode other : c.nodes) {
                    if (other != n) {
                        n.peerDb().add(other.address(), true);
                    }
                }
            }
            bad.join(THROWS, SHORT, ctx -> {
                throw new IllegalStateException("a buggy requester");
            }, ctx -> {
                throw new IllegalStateException("a buggy responder");
            });
            bad.join(HANGS, SHORT, ctx -> new CompletableFuture<>(), ctx -> new CompletableFuture<>());
            bad.join(GARBAGE, SHORT, PING, ctx -> ctx.receive()
                    .thenCompose(m -> {
                        m.release();
                        return ctx.send(Utf8Messages.text("garbage"));
                    })
                    .thenApply(v -> SessionOutcome.ok()));
            // The probe wants every other node, so it keeps coming back to the bad one (after backoff).
            P2pNode probe = good.get(0);
            for (P2pNode n : good) {
                for (NetworkId id : List.of(THROWS, HANGS, GARBAGE)) {
                    n.join(id, n == probe ? SHORT.toBuilder().targetDegree(4).build() : SHORT, PING, ECHO);
                }
            }
            Cluster.until("the bad peer failed on every network", () ->
                    probe.network(THROWS).stats().sessionsFailed() > 0
                            && probe.network(HANGS).stats().timeouts() > 0
                            && probe.network(GARBAGE).stats().sessionsMisbehaved() > 0);
            Cluster.until("every good node completes sessions on every network", () -> good.stream().allMatch(n ->
                    List.of(THROWS, HANGS, GARBAGE).stream().allMatch(id -> n.network(id).stats().sessionsOk() >= 3)));
            PeerInfo badInfo = probe.peerDb().get(bad.id()).orElseThrow();
            PeerInfo goodInfo = probe.peerDb().get(good.get(1).id()).orElseThrow();
            assertThat(badInfo.score()).as("the misbehaving peer's score").isLessThan(goodInfo.score());
            // The bad node's own failures were contained too: its networks are alive and counting. Its
            // hanging requests time out on their own clock, possibly after the good nodes' counts are in.
            Cluster.until("the bad node counted its own failures and timeouts", () ->
                    bad.network(THROWS).stats().sessionsFailed() > 0 && bad.network(HANGS).stats().timeouts() > 0);
            assertThat(bad.network(THROWS).stats().sessionsFailed()).isPositive();
            assertThat(bad.network(HANGS).stats().timeouts()).isPositive();
        }
    }

    /**
     * A network at its inbound limit refuses with REFUSED_BUSY and names peers it knows (that serve
     * the network and do not fail); a requesting network adds them and moves on.
     */
    @Test
    void busyRefusalNamesAlternativePeers() throws Exception {
        NetworkId chain = NetworkId.of("0", "ping", 1);
        NetworkConfig full = Cluster.CHAIN.toBuilder().targetDegree(1).maxInboundSessions(0).build();
        try (Cluster c = new Cluster()) {
            P2pNode s = c.start(b -> b);
            P2pNode d = c.start(b -> b);
            P2pNode e = c.start(b -> b);
            s.peerDb().add(d.address(), true);
            s.peerDb().add(e.address(), true);
            d.join(chain, Cluster.CHAIN, PING_AND_HOLD, ECHO);
            e.join(chain, Cluster.CHAIN, PING_AND_HOLD, ECHO);
            s.join(chain, full, PING_AND_HOLD, ECHO);

            EndpointConfig ec = EndpointConfig.builder(NodeIdentity.generate()).ioThreads(1)
                    .shutdownGrace(Duration.ofMillis(200)).build();
            try (ConnectionBroker client = ConnectionBroker.start(ec, BrokerConfig.defaults().withWorkerThreads(1))) {
                client.register(chain, open -> fail("no inbound expected"));
                try {
                    client.open(chain, s.address(), 1000).get(Cluster.WAIT_SECONDS, TimeUnit.SECONDS);
                    fail("expected a busy refusal");
                } catch (ExecutionException x) {
                    SessionClosedException refused = (SessionClosedException) x.getCause();
                    assertThat(refused.reason().code()).isEqualTo(ErrorCode.REFUSED_BUSY);
                    assertThat(BusyDetail.decode(refused.reason().detail())).extracting(PeerAddress::expectedPeer)
                            .containsExactlyInAnyOrder(d.id(), e.id());
                }
            }
            assertThat(s.network(chain).stats().busyRefused()).isPositive();
            assertThat(s.refused(ErrorCode.REFUSED_BUSY)).isPositive();

            // A node that only knows s wants 3 peers: s keeps refusing, so it ends up with d and e,
            // learned from the refusal's detail (or the exchange).
            P2pNode newcomer = c.start(b -> b.bootstrap(List.of(s.address())));
            P2pNetwork net = newcomer.join(chain, Cluster.CHAIN.toBuilder().targetDegree(3).build(), PING_AND_HOLD, ECHO);
            Cluster.until("newcomer refused by s and connected to d and e", () -> net.stats().busyReceived() > 0
                    && net.stats().activeOutgoing() == 2);
            assertThat(net.outgoingPeers()).contains(d.id(), e.id());
            assertThat(newcomer.peerDb().get(s.id()).orElseThrow().successiveFailures())
                    .as("busy is not a failure").isZero();
        }
    }
}
