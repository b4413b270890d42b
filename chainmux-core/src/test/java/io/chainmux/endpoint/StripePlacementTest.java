package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Placement by measured load between real endpoints over loopback, K = 2: a stripe whose bulk stream
 * has bytes piled up (its reader stopped) gets no new streams while the other stripe is free.
 */
class StripePlacementTest {
    private static final int MESSAGE = 16 * 1024;
    /**
     * What the stuck bulk stream queues, as one message: a stream takes only its window plus 32 KiB of
     * small messages its reader does not take, but one message of any size when its queue is empty.
     */
    private static final int BULK_MESSAGE = 512 * 1024;

    /** Accepts every stream; never consumes "bulk" (its reader has stopped), consumes the rest. */
    private static final class Server implements EndpointListener {
        @Override
        public void onStreamOpened(PeerConnection peer, MuxStream stream) {
            stream.accept(new StreamListener() {
                @Override
                public void onMessage(MuxStream s, ByteBuf m) {
                    int n = m.readableBytes();
                    m.release();
                    if (!s.networkId().equals("bulk")) {
                        s.consumed(n);
                    }
                }

                @Override
                public void onClosed(MuxStream s, CloseReason reason) {}
            }, BULK_MESSAGE);
        }
    }

    private enum Drop implements StreamListener {
        INSTANCE;

        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            m.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {}
    }

    private static Endpoint node(boolean listens, int stripes, StripePolicy policy, EndpointListener l) {
        EndpointConfig.Builder b = EndpointConfig.builder(NodeIdentity.generate()).ioThreads(2).stripes(stripes)
                .stripePolicy(policy).shutdownGrace(Duration.ofMillis(200))
                // room to queue 512 KiB on one stream while its reader has stopped
                .mux(MuxConfig.builder().streamSendBuffer(1 << 20).build());
        return Endpoint.start((listens ? b.listen("127.0.0.1:0") : b.listen((PeerAddress) null)).build(), l);
    }

    private static void waitFor(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EndpointTest.WAIT);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /** Opens "bulk" and queues 512 KiB on it; returns it once its stripe counts as carrying bulk. */
    private static MuxStream stuckBulk(PeerConnection pc) throws Exception {
        MuxStream bulk = pc.openStream("bulk", MESSAGE, 1, Drop.INSTANCE);
        ByteBuf m = Unpooled.directBuffer(BULK_MESSAGE).writeZero(BULK_MESSAGE);
        try {
            // from the stream's event loop, so the connection counts every byte at once; read the
            // queue in the same task: the receiver credits a message in progress as it arrives, so
            // the message may leave soon after, and a read from this thread could miss the moment
            // A small message first, which the reader never consumes: from then on the receiver no
            // longer credits the big message's fragments as they arrive, so it stays queued.
            ByteBuf first = Unpooled.directBuffer(1024).writeZero(1024);
            long queued;
            try {
                queued = bulk.connection().channel().eventLoop()
                        .submit(() -> bulk.trySendCopy(first) && bulk.trySendCopy(m) ? bulk.connection().queuedBytes() : -1L)
                        .get(EndpointTest.WAIT, TimeUnit.SECONDS);
            } finally {
                first.release();
            }
            assertThat(queued).as("the bulk stream's bytes queued").isGreaterThanOrEqualTo(StripeLoad.BULK_QUEUED_BYTES);
        } finally {
            m.release();
        }
        waitFor("the bulk stream's bytes stay queued", () -> bulk.connection().queuedBytes() >= StripeLoad.BULK_QUEUED_BYTES
                && bulk.connection().stats().bytesOut() > 0);
        return bulk;
    }

    @Test
    void latencySensitiveAndOrdinaryStreamsAvoidTheStripeCarryingBulk() throws Exception {
        try (Endpoint server = node(true, 1, StripePolicy.MEASURED_LOAD, new Server());
             Endpoint client = node(false, 2, StripePolicy.MEASURED_LOAD, new EndpointListener() {})) {
            PeerConnection pc = EndpointTest.await(client.connect(PeerAddress.of(server.localAddress())));
            waitFor("2 stripes", () -> pc.stripeCount() == 2);
            MuxStream bulk = stuckBulk(pc);
            for (int i = 0; i < 10; i++) {
                MuxStream s = pc.openStream("chain-" + i + "/gossip/1", 1024, 1, TrafficClass.LATENCY_SENSITIVE,
                        Drop.INSTANCE);
                assertThat(s.connection()).as("gossip stream %d", i).isNotSameAs(bulk.connection());
            }
            MuxStream ordinary = pc.openStream("chain-0/sync/1", 1024, 1, Drop.INSTANCE);
            assertThat(ordinary.connection()).isNotSameAs(bulk.connection());
        }
    }

    @Test
    void byCountPutsHalfOfThemBesideTheBulkStream() throws Exception {
        try (Endpoint server = node(true, 1, StripePolicy.BY_COUNT, new Server());
             Endpoint client = node(false, 2, StripePolicy.BY_COUNT, new EndpointListener() {})) {
            PeerConnection pc = EndpointTest.await(client.connect(PeerAddress.of(server.localAddress())));
            waitFor("2 stripes", () -> pc.stripeCount() == 2);
            MuxStream bulk = stuckBulk(pc);
            int besideBulk = 0;
            for (int i = 0; i < 10; i++) {
                MuxStream s = pc.openStream("chain-" + i + "/gossip/1", 1024, 1, TrafficClass.LATENCY_SENSITIVE,
                        Drop.INSTANCE);
                besideBulk += s.connection() == bulk.connection() ? 1 : 0;
            }
            assertThat(besideBulk).isBetween(4, 5);
        }
    }

    @Test
    void theMeterTakesTheSendRateBetweenSamplesAtLeastAnIntervalApart() throws Exception {
        try (Endpoint server = node(true, 1, StripePolicy.MEASURED_LOAD, new Server());
             Endpoint client = node(false, 1, StripePolicy.MEASURED_LOAD, new EndpointListener() {})) {
            PeerConnection pc = EndpointTest.await(client.connect(PeerAddress.of(server.localAddress())));
            MuxConnection stripe = pc.stripedConnections().get(0);
            StripeMeter meter = new StripeMeter();
            long t0 = 1_000_000_000L;
            assertThat(meter.measure(List.of(stripe), t0).get(0).sentBytesPerSecond()).as("no rate before a sample")
                    .isZero();
            long before = stripe.stats().bytesOut();
            MuxStream s = pc.openStream("flowing", MESSAGE, 1, Drop.INSTANCE);
            ByteBuf m = Unpooled.directBuffer(MESSAGE).writeZero(MESSAGE);
            try {
                assertThat(s.trySendCopy(m)).isTrue();
            } finally {
                m.release();
            }
            waitFor("the message sent", () -> stripe.stats().bytesOut() >= before + MESSAGE);
            long sent = stripe.stats().bytesOut() - before;
            assertThat(meter.measure(List.of(stripe), t0 + StripeMeter.SAMPLE_NANOS / 2).get(0).sentBytesPerSecond())
                    .as("too soon for a new sample").isZero();
            StripeLoad load = meter.measure(List.of(stripe), t0 + 2_000_000_000L).get(0);
            assertThat(load.sentBytesPerSecond()).isEqualTo(sent / 2);
            assertThat(load.streams()).isEqualTo(1);
            assertThat(meter.measure(List.of(stripe), t0 + 2_050_000_000L).get(0).sentBytesPerSecond())
                    .as("a burst of opens reuses the last rate").isEqualTo(sent / 2);
        }
    }
}
