package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.testing.FaultRelay;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.chainmux.p2p.Cluster.ECHO;
import static io.chainmux.p2p.Cluster.PING_AND_HOLD;
import static io.chainmux.testing.Utf8Messages.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TCP connection lost under sessions that worked is the path's failure, not the peer's: the
 * sessions come back as soon as a dial gets through, without the peer's backoff. A peer that is
 * really gone is still backed off, by the failed dial. Node A reaches node B only through a
 * {@link FaultRelay}; the backoff is minutes long, so a peer charged for the loss could not return
 * within the test's wait.
 */
class LostConnectionTest {
    private static final NetworkId NET = NetworkId.of("0", Cluster.PING_PROTOCOL, 1);
    /** Degree 1, a five-minute backoff, quick refills. */
    private static final NetworkConfig ONE = Cluster.CHAIN.toBuilder().targetDegree(1)
            .backoffBase(Duration.ofMinutes(5)).backoffMax(Duration.ofMinutes(5)).build();
    /** B only serves. */
    private static final NetworkConfig SERVE = ONE.toBuilder().targetDegree(0).build();
    /** Pings (the peer answers: the session works), then holds the connection and fails when it breaks. */
    private static final Session PING_THEN_HOLD = ctx -> ctx.request(text("ping")).thenCompose(reply -> {
        reply.release();
        return ctx.receive();
    }).thenApply(m -> {
        m.release();
        return SessionOutcome.ok();
    });

    @Test
    void aCutConnectionUnderWorkingSessionsDoesNotBackThePeerOff() throws Exception {
        try (Cluster c = new Cluster()) {
            P2pNode b = c.start(x -> x);
            b.join(NET, SERVE, PING_AND_HOLD, ECHO);
            try (FaultRelay relay = new FaultRelay(tcp(b.address()))) {
                P2pNode a = c.start(x -> x);
                a.peerDb().add(viaRelay(b, relay), true);
                P2pNetwork net = a.join(NET, ONE, PING_THEN_HOLD, ECHO);
                net.ready().get(Cluster.WAIT_SECONDS, TimeUnit.SECONDS);

                relay.cut();
                Cluster.until("the session failed by the cut and a new one runs",
                        () -> net.stats().sessionsFailed() >= 1 && net.stats().activeOutgoing() == 1);

                assertThat(net.stats().failuresByReason()).containsKey("closed: CONNECTION_LOST");
                assertThat(a.peerDb().get(b.id()).orElseThrow().successiveFailures())
                        .as("a lost connection is not the peer's failure").isZero();
            }
        }
    }

    @Test
    void aPeerThatIsReallyGoneIsStillBackedOffByItsFailedDial() throws Exception {
        try (Cluster c = new Cluster()) {
            P2pNode b = c.start(x -> x);
            b.join(NET, SERVE, PING_AND_HOLD, ECHO);
            FaultRelay relay = new FaultRelay(tcp(b.address()));
            P2pNode a = c.start(x -> x);
            a.peerDb().add(viaRelay(b, relay), true);
            P2pNetwork net = a.join(NET, ONE, PING_THEN_HOLD, ECHO);
            net.ready().get(Cluster.WAIT_SECONDS, TimeUnit.SECONDS);

            relay.close(); // resets the connections and refuses new ones: B is unreachable
            // and gone: B learned A's address in the handshake and may have dialed A itself (peer
            // exchange); A's next open would then run over B's connection and never fail.
            b.close();

            try {
                Cluster.until("the redial failed and B is backed off",
                        () -> a.peerDb().get(b.id()).orElseThrow().successiveFailures() >= 1);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; B: " + a.peerDb().get(b.id()) + ", network: "
                        + net.stats().failuresByReason() + ", open failures " + net.stats().openFailures()
                        + ", connection " + a.broker().endpoint().peer(b.id()), e);
            }
            PeerInfo p = a.peerDb().get(b.id()).orElseThrow();
            assertThat(p.lastFailure() + ONE.backoff(p.successiveFailures()).toMillis())
                    .as("B is not tried again before its backoff ends").isGreaterThan(System.currentTimeMillis());
            assertThat(net.stats().activeOutgoing()).isZero();
            assertThat(net.stats().openFailures()).as("dials to B").isPositive();
        }
    }

    private static PeerAddress viaRelay(P2pNode b, FaultRelay relay) {
        return PeerAddress.parse(b.id() + "@127.0.0.1:" + relay.address().getPort());
    }

    private static InetSocketAddress tcp(PeerAddress a) {
        return a.toSocketAddress();
    }
}
