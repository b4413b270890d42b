package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 999 streams whose reader has stopped and one that reads, on one connection over real loopback:
 * the reader still gets its data (progress within a generous bound, not a speed test: speed is
 * measured by {@code bench compare --scenario fairness}), the stalled streams' senders learn that
 * they are blocked, and the receiver's committed credit never exceeds its budget.
 */
class StalledStreamsLoopbackTest {
    private static final int STALLED = 999;
    private static final int MESSAGE = 4096;
    private static final long READER_BYTES = 32L * 1024 * 1024;
    private static final long WAIT_SECONDS = 120;

    @Test
    void aReaderKeepsFlowingBeside999StalledStreamsWithinTheReceiveBudget() throws Exception {
        MuxConfig config = MuxConfig.defaults();
        AtomicLong stalledBytes = new AtomicLong();
        AtomicLong readerBytes = new AtomicLong();
        CountDownLatch readerDone = new CountDownLatch(1);
        ConnectionListener server = stream -> stream.accept(new StreamListener() {
            @Override
            public void onMessage(MuxStream s, ByteBuf message) {
                int length = message.readableBytes();
                message.release();
                if (s.networkId().equals("reader")) {
                    s.consumed(length);
                    if (readerBytes.addAndGet(length) >= READER_BYTES) {
                        readerDone.countDown();
                    }
                } else {
                    stalledBytes.addAndGet(length); // never consumed: this reader has stopped
                }
            }

            @Override
            public void onClosed(MuxStream s, CloseReason reason) {}
        }, 1 << 20);

        CountDownLatch blocked = new CountDownLatch(STALLED);
        Semaphore writable = new Semaphore(0);
        StreamListener client = new StreamListener() {
            @Override
            public void onMessage(MuxStream s, ByteBuf message) {
                message.release();
            }

            @Override
            public void onSendBlocked(MuxStream s) {
                blocked.countDown();
            }

            @Override
            public void onWritable(MuxStream s) {
                writable.release();
            }

            @Override
            public void onClosed(MuxStream s, CloseReason reason) {}
        };

        try (LoopbackMux pair = LoopbackMux.start(config, server, s -> {})) {
            List<MuxStream> stalled = new ArrayList<>();
            for (int i = 0; i < STALLED; i++) {
                MuxStream s = pair.client.openStream("stalled-" + i, 1 << 20, 1, client);
                stalled.add(s);
                int windowAndMore = 2 * config.initialStreamWindow() / MESSAGE; // twice: early credit cannot cover it
                for (int m = 0; m < windowAndMore; m++) {
                    assertThat(s.trySend(Unpooled.wrappedBuffer(new byte[MESSAGE]))).isTrue();
                }
            }
            assertThat(blocked.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("every stalled stream's sender learns it is blocked").isTrue();
            assertThat(pair.client.stats().sendBlocked()).isGreaterThanOrEqualTo(STALLED);

            MuxStream reader = pair.client.openStream("reader", 1 << 20, 1, client);
            byte[] chunk = new byte[16 * 1024];
            long sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (sent < READER_BYTES && System.nanoTime() < deadline) {
                if (reader.trySend(Unpooled.wrappedBuffer(chunk))) {
                    sent += chunk.length;
                } else {
                    writable.tryAcquire(1, TimeUnit.SECONDS);
                }
            }
            assertThat(readerDone.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("the reader received %d bytes beside %d stalled streams", READER_BYTES, STALLED).isTrue();

            MuxStats serverStats = pair.server.stats();
            assertThat(serverStats.receiveCommittedPeak()).as("committed receive credit, at its peak")
                    .isLessThanOrEqualTo(config.receiveBudget());
            assertThat(stalledBytes.get()).as("the stalled streams got no more than their floor windows")
                    .isLessThanOrEqualTo((long) STALLED * config.initialStreamWindow());
            assertThat(stalled).allSatisfy(s -> assertThat(s.queuedBytes()).isPositive());
        }
    }
}
