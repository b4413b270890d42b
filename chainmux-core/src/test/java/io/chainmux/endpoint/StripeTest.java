package io.chainmux.endpoint;

import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Striping, crossed dials, stripe loss and reconnect between real endpoints over loopback. */
class StripeTest {
    private static final long WAIT = EndpointTest.WAIT;

    /** Sends numbered messages and checks the echoes: delivered in order, or the stream failed. */
    static final class Sequenced implements StreamListener {
        final AtomicLong nextExpected = new AtomicLong();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
        volatile String error;
        long sent;

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            long seq = message.readLong();
            message.release();
            stream.consumed(8);
            long want = nextExpected.getAndIncrement();
            if (seq != want) {
                error = "expected echo #" + want + ", got #" + seq;
            }
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closed.complete(reason);
        }

        /** Sends the next number; false if refused or the stream has ended (its close says why). */
        boolean send(MuxStream s) {
            ByteBuf m = Unpooled.buffer(8).writeLong(sent);
            try {
                if (s.trySend(m)) {
                    sent++;
                    return true;
                }
            } catch (IllegalStateException ended) {
                return false; // the stream is closed (onClosed reports why) and took the message
            }
            m.release();
            return false;
        }
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void kStripesAreDialedAndStreamsSpreadOverThem() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode(x -> x.stripes(4))) {
            PeerConnection pc = EndpointTest.await(b.endpoint.connect(a.address()));
            waitFor("4 stripes", () -> pc.stripeCount() == 4);
            List<MuxStream> streams = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                streams.add(pc.openStream("chain-" + i + "/t/1", 1000, 1, new Sequenced()));
            }
            long[] perStripe = pc.stripedConnections().stream().mapToLong(MuxConnection::load).toArray();
            assertThat(perStripe).containsExactly(2, 2, 2, 2);
        }
    }

    /**
     * Both nodes dial each other at the same moment, with random skew; afterwards each holds exactly
     * K stripes to the other (the same TCP connections seen from both ends), and every stream
     * opened as soon as a connect completed works: none lost, none duplicated.
     */
    @RepeatedTest(15)
    void crossedDialsConvergeWithoutLosingStreams() throws Exception {
        Random random = new Random();
        int k = 1 + random.nextInt(3);
        try (TestNode a = new TestNode(x -> x.stripes(k)); TestNode b = new TestNode(x -> x.stripes(k))) {
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<PeerConnection> fromA = new CompletableFuture<>();
            CompletableFuture<PeerConnection> fromB = new CompletableFuture<>();
            Thread ta = new Thread(() -> dialAfter(go, random.nextInt(3), a, b, fromA));
            Thread tb = new Thread(() -> dialAfter(go, random.nextInt(3), b, a, fromB));
            ta.start();
            tb.start();
            go.countDown();
            PeerConnection ab = EndpointTest.await(fromA);
            PeerConnection ba = EndpointTest.await(fromB);
            List<Sequenced> listeners = new ArrayList<>();
            List<MuxStream> streams = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                PeerConnection pc = i % 2 == 0 ? ab : ba;
                Sequenced l = new Sequenced();
                MuxStream s = pc.openStream("chain-" + i + "/t/1", 1000, 1, l);
                l.send(s);
                listeners.add(l);
                streams.add(s);
            }
            for (Sequenced l : listeners) {
                waitFor("echo", () -> l.nextExpected.get() == 1 || l.closed.isDone());
                assertThat(l.closed.isDone()).as("a stream failed: " + l.closed.getNow(null)).isFalse();
                assertThat(l.error).isNull();
            }
            waitFor("k stripes on both ends", () -> ab.stripeCount() == k && ba.stripeCount() == k);
            // The same connections from both ends: local address on one is the remote on the other.
            java.util.Set<String> fromAEnd = new java.util.HashSet<>();
            for (MuxConnection s : ab.stripedConnections()) {
                fromAEnd.add(port(s.channel().localAddress()) + ">" + port(s.channel().remoteAddress()));
            }
            java.util.Set<String> fromBEnd = new java.util.HashSet<>();
            for (MuxConnection s : ba.stripedConnections()) {
                fromBEnd.add(port(s.channel().remoteAddress()) + ">" + port(s.channel().localAddress()));
            }
            assertThat(fromBEnd).isEqualTo(fromAEnd);
            assertThat(b.accepted.size() + a.accepted.size()).as("each stream accepted once").isEqualTo(6);
        }
    }

    private static int port(java.net.SocketAddress a) {
        return ((java.net.InetSocketAddress) a).getPort();
    }

    private static void dialAfter(CountDownLatch go, int delayMillis, TestNode from, TestNode to,
                                  CompletableFuture<PeerConnection> result) {
        try {
            go.await();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            from.endpoint.connect(to.address()).whenComplete((pc, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(pc);
                }
            });
        } catch (InterruptedException e) {
            result.completeExceptionally(e);
        }
    }

    /**
     * A stripe dies mid-transfer: streams on it fail with CONNECTION_LOST, streams on the other
     * stripe keep going and deliver everything, and the dialer re-establishes the stripe.
     */
    @Test
    void losingOneStripeFailsOnlyItsStreamsAndIsRedialed() throws Exception {
        try (TestNode a = new TestNode();
             TestNode b = new TestNode(x -> x.stripes(2).reconnect(new Backoff(Duration.ofMillis(20),
                     Duration.ofMillis(200), 50)))) {
            PeerConnection pc = EndpointTest.await(b.endpoint.connect(a.address()));
            waitFor("2 stripes", () -> pc.stripeCount() == 2);
            Sequenced onVictim = new Sequenced();
            Sequenced onSurvivor = new Sequenced();
            MuxStream first = pc.openStream("n-0", 1000, 1, onVictim);
            MuxStream second = pc.openStream("n-1", 1000, 1, onSurvivor);
            MuxConnection victim = first.connection();
            assertThat(second.connection()).isNotSameAs(victim);
            for (int i = 0; i < 100; i++) {
                onVictim.send(first);
                onSurvivor.send(second);
            }
            waitFor("first echoes", () -> onVictim.nextExpected.get() > 0);
            victim.channel().close(); // the TCP connection dies
            assertThat(onVictim.closed.get(WAIT, TimeUnit.SECONDS).code()).isEqualTo(ErrorCode.CONNECTION_LOST);
            for (int i = 0; i < 100; i++) {
                assertThat(onSurvivor.send(second)).isTrue();
            }
            waitFor("all survivor echoes", () -> onSurvivor.nextExpected.get() == 200);
            assertThat(onSurvivor.error).isNull();
            assertThat(onSurvivor.closed).isNotDone();
            waitFor("stripe lost reported", () -> !b.connectionsLost.isEmpty());
            waitFor("stripe redialed", () -> pc.stripeCount() == 2);
            assertThat(b.endpoint.stats().reconnects()).isPositive();
            Sequenced again = new Sequenced();
            MuxStream fresh = pc.openStream("n-2", 1000, 1, again);
            again.send(fresh);
            waitFor("echo on the new stripe set", () -> again.nextExpected.get() == 1);
        }
    }

    /**
     * Kills the TCP connection under load and checks, by per-stream sequence numbers, that every
     * message was either echoed back in order or its stream reported the failure: nothing silently
     * lost or duplicated.
     */
    @Test
    void killingTheConnectionUnderLoadLosesNothingSilently() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode()) {
            PeerConnection pc = EndpointTest.await(b.endpoint.connect(a.address()));
            int streams = 16;
            List<Sequenced> listeners = new ArrayList<>();
            List<MuxStream> opened = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                Sequenced l = new Sequenced();
                listeners.add(l);
                opened.add(pc.openStream("chain-" + i + "/t/1", 1000, 1, l));
            }
            MuxConnection connection = opened.get(0).connection();
            Map<Integer, Long> sentAtKill = new ConcurrentHashMap<>();
            for (int round = 0; round < 2_000; round++) {
                for (int i = 0; i < streams; i++) {
                    listeners.get(i).send(opened.get(i));
                }
                if (round == 1_000) {
                    connection.channel().close();
                }
            }
            for (int i = 0; i < streams; i++) {
                Sequenced l = listeners.get(i);
                CloseReason reason = l.closed.get(WAIT, TimeUnit.SECONDS);
                sentAtKill.put(i, l.sent);
                assertThat(l.error).as("stream %d order", i).isNull();
                assertThat(l.nextExpected.get()).as("stream %d echoes never exceed sends", i).isLessThanOrEqualTo(l.sent);
                if (l.nextExpected.get() < l.sent) {
                    assertThat(reason.code()).as("stream %d lost messages, so it must report a failure", i)
                            .isEqualTo(ErrorCode.CONNECTION_LOST);
                }
            }
            assertThat(sentAtKill).hasSize(streams);
        }
    }
}
