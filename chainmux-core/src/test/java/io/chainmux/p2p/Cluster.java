package io.chainmux.p2p;

import io.chainmux.broker.BrokerConfig;
import io.chainmux.broker.NetworkId;
import io.chainmux.broker.SessionContext;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.identity.NodeIdentity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static io.chainmux.testing.Utf8Messages.text;
import static io.chainmux.testing.Utf8Messages.read;
import static org.assertj.core.api.Assertions.assertThat;

/** Loopback P2P nodes for tests, a ping/echo session pair, and bounded waits. */
final class Cluster implements AutoCloseable {
    static final long WAIT_SECONDS = 30;
    static final String PING_PROTOCOL = "ping";

    /** Degree 2, long sessions (they hold until cut), quick refills and retries. */
    static final NetworkConfig CHAIN = NetworkConfig.builder().targetDegree(2).sessionTimeout(Duration.ofSeconds(60))
            .restartDelay(Duration.ofMillis(50)).requestInterval(Duration.ofMillis(100))
            .backoffBase(Duration.ofMillis(100)).backoffMax(Duration.ofSeconds(1)).build();

    /** Exchanges every 200 ms so discovery is quick. */
    static final PeerExchangeConfig FAST_EXCHANGE = PeerExchangeConfig.defaults().withNetwork(
            PeerExchangeConfig.defaults().network().toBuilder().restartDelay(Duration.ofMillis(200))
                    .requestInterval(Duration.ofMillis(100)).backoffBase(Duration.ofMillis(100))
                    .backoffMax(Duration.ofSeconds(1)).build());

    final List<P2pNode> nodes = new ArrayList<>();

    static NodeConfig.Builder config(NodeIdentity identity, int stripes) {
        EndpointConfig ec = EndpointConfig.builder(identity).listen("127.0.0.1:0").ioThreads(1).stripes(stripes)
                .handshakeTimeout(Duration.ofSeconds(5)).shutdownGrace(Duration.ofMillis(200)).build();
        return NodeConfig.builder(ec).broker(BrokerConfig.defaults().withWorkerThreads(2)
                .withCloseGrace(Duration.ofSeconds(2))).exchange(FAST_EXCHANGE);
    }

    P2pNode start(NodeIdentity identity, int stripes, UnaryOperator<NodeConfig.Builder> tweak) {
        P2pNode n = P2pNode.start(tweak.apply(config(identity, stripes)).build());
        nodes.add(n);
        return n;
    }

    P2pNode start(UnaryOperator<NodeConfig.Builder> tweak) {
        return start(NodeIdentity.generate(), 1, tweak);
    }

    static List<NetworkId> chains(int n) {
        List<NetworkId> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(NetworkId.of(Integer.toString(i), PING_PROTOCOL, 1));
        }
        return ids;
    }

    /** Pings, checks the echo, then holds the connection until the peer closes or the network cuts it. */
    static final Session PING_AND_HOLD = ctx -> ctx.request(text("ping")).thenCompose(reply -> {
        if (!read(reply).equals("ping")) {
            return CompletableFuture.completedStage(SessionOutcome.misbehaved("wrong echo"));
        }
        return ctx.receive().handle((m, e) -> {
            if (m != null) {
                m.release();
            }
            return SessionOutcome.ok();
        });
    });

    /** Pings once and checks the echo. */
    static final Session PING = ctx -> ctx.request(text("ping"))
            .thenApply(reply -> read(reply).equals("ping") ? SessionOutcome.ok() : SessionOutcome.misbehaved("wrong echo"));

    /** Echoes every message until the peer closes. */
    static final Session ECHO = Cluster::echo;

    private static CompletionStage<SessionOutcome> echo(SessionContext ctx) {
        return ctx.receive().handle((m, e) -> e != null
                        ? CompletableFuture.completedStage(SessionOutcome.ok())
                        : ctx.send(m).thenCompose(v -> echo(ctx)))
                .thenCompose(s -> s);
    }

    static void awaitAll(String what, Collection<? extends CompletableFuture<?>> futures) throws Exception {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + ": not done within " + WAIT_SECONDS + " s", e);
        }
    }

    /** Waits for a condition the code under test exposes no event for; bounded in time, checks every 10 ms. */
    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Override
    public void close() {
        for (P2pNode n : nodes) {
            n.close();
        }
    }
}
