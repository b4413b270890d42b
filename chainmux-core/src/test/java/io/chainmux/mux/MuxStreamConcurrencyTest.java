package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded randomized stress of one stream over real loopback sockets: several threads send on it
 * at once, mixed with sends from its event loop, with message sizes on both sides of the copy
 * threshold and of the frame size, so the MPSC hand-over, the loop's own queue and the wake-up task
 * all race. Per sender the order is kept, nothing is lost or duplicated, and each side hears exactly
 * one {@code onClosed}. Most rounds also race {@code close()} against the senders: every message a
 * sender saw accepted still arrives, before the FIN. Bounded in messages and in time (seconds);
 * {@code -Dstress.seed=N} replays a failing run's sizes (the thread interleaving is not replayed).
 */
class MuxStreamConcurrencyTest {
    private static final long WAIT_SECONDS = 20;
    private static final int THREADS = 4;
    /** Sender index of the event loop's own sender. */
    private static final int LOOP = THREADS;
    private static final int SENDERS = THREADS + 1;
    private static final int[] SIZES = {8, 100, 1500, OutboundWriter.COPY_THRESHOLD, OutboundWriter.COPY_THRESHOLD + 1,
            5000, 20_000};

    /** A message: sender (1 byte), sequence number (4 bytes), then filler of the chosen size. */
    private static ByteBuf message(int sender, int seq, int size) {
        ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(size);
        m.writeByte(sender).writeInt(seq);
        m.writeZero(size - 5);
        return m;
    }

    /**
     * The receiving side: checks per-sender order and counts closes. Every other message's credit is
     * returned from another thread, so consumption crosses threads too (its wake-up races the loop's).
     */
    private static final class Receiver implements StreamListener, ConnectionListener {
        final ExecutorService consumer = Executors.newSingleThreadExecutor();
        final int[] next = new int[SENDERS];
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger closes = new AtomicInteger();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();

        @Override
        public void onStreamOpened(MuxStream stream) {
            stream.accept(this, 1 << 20);
        }

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            int length = message.readableBytes();
            int sender = message.readByte();
            int seq = message.readInt();
            message.release();
            if ((seq & 1) == 0) {
                stream.consumed(length);
            } else {
                consumer.execute(() -> {
                    try {
                        stream.consumed(length);
                    } catch (RuntimeException e) {
                        failures.add("consumed from another thread: " + e);
                    }
                });
            }
            if (sender < 0 || sender >= SENDERS) {
                failures.add("unknown sender " + sender);
            } else if (seq != next[sender]) {
                failures.add("sender " + sender + ": got " + seq + ", expected " + next[sender]);
                next[sender] = seq + 1;
            } else {
                next[sender]++;
            }
        }

        @Override
        public void onRemoteClosed(MuxStream stream) {
            stream.close();
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closes.incrementAndGet();
            closed.complete(reason);
        }
    }

    /** The sending side's stream events. */
    private static final class SenderEvents implements StreamListener {
        final AtomicInteger closes = new AtomicInteger();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            message.release();
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closes.incrementAndGet();
            closed.complete(reason);
        }
    }

    /**
     * Sends up to {@code count} messages from the calling thread, retrying refusals until the deadline;
     * stops at the first {@link ClosedException}. Returns how many were accepted.
     */
    private static int sendAll(MuxStream s, int sender, int count, long seed, long deadline) {
        SplittableRandom random = new SplittableRandom(seed);
        int accepted = 0;
        while (accepted < count) {
            ByteBuf m = message(sender, accepted, SIZES[random.nextInt(SIZES.length)]);
            boolean ok;
            try {
                ok = s.trySend(m);
            } catch (ClosedException closed) {
                return accepted; // the stream took (and released) the message
            }
            if (ok) {
                accepted++;
            } else {
                m.release();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("sender " + sender + " refused until the deadline at " + accepted);
                }
                Thread.yield();
            }
        }
        return accepted;
    }

    /** The event loop's sender: sends a batch per task and reschedules itself, counting what was accepted. */
    private static final class LoopSender implements Runnable {
        final MuxStream s;
        final EventLoop loop;
        final int count;
        final SplittableRandom random;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        final long deadline;
        int accepted;

        LoopSender(MuxStream s, EventLoop loop, int count, long seed, long deadline) {
            this.s = s;
            this.loop = loop;
            this.count = count;
            this.random = new SplittableRandom(seed);
            this.deadline = deadline;
        }

        @Override
        public void run() {
            try {
                for (int batch = 0; batch < 16 && accepted < count; batch++) {
                    ByteBuf m = message(LOOP, accepted, SIZES[random.nextInt(SIZES.length)]);
                    if (!s.trySend(m)) {
                        m.release();
                        break;
                    }
                    accepted++;
                }
            } catch (ClosedException closed) {
                done.complete(accepted);
                return;
            } catch (RuntimeException | AssertionError e) {
                done.completeExceptionally(e);
                return;
            }
            if (accepted == count) {
                done.complete(accepted);
            } else if (System.nanoTime() > deadline) {
                done.completeExceptionally(new AssertionError("loop sender refused until the deadline at " + accepted));
            } else {
                loop.schedule(this, 50, TimeUnit.MICROSECONDS);
            }
        }
    }

    /** One round: all senders at once on a fresh stream; returns after both sides closed. */
    private static void round(LoopbackMux mux, Receiver receiver, long seed, int perSender, boolean closeRacesSends)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        SenderEvents events = new SenderEvents();
        MuxStream s = mux.client.openStream("chain-" + seed + "/stress/1", 1 << 20, 1, events);
        EventLoop loop = mux.client.channel().eventLoop();
        AtomicIntegerArray accepted = new AtomicIntegerArray(SENDERS);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(THREADS);
        for (int t = 0; t < THREADS; t++) {
            int sender = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    accepted.set(sender, sendAll(s, sender, perSender, seed * 31 + sender, deadline));
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    finished.countDown();
                }
            }, "stress-sender-" + t);
            th.setDaemon(true);
            th.start();
        }
        LoopSender loopSender = new LoopSender(s, loop, perSender, seed * 31 + LOOP, deadline);
        start.countDown();
        loop.execute(loopSender);
        if (closeRacesSends) {
            // Close once some messages went out, while every sender is still sending.
            while (s.queuedBytes() == 0 && receiver.next[0] == 0 && System.nanoTime() < deadline) {
                Thread.yield();
            }
            s.close();
        }
        assertThat(finished.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("senders finished").isTrue();
        accepted.set(LOOP, loopSender.done.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertThat(errors).isEmpty();
        if (!closeRacesSends) {
            s.close();
        }
        assertThat(events.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).isNormal()).isTrue();
        assertThat(receiver.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).isNormal()).isTrue();
        for (int i = 0; i < SENDERS; i++) {
            if (!closeRacesSends) {
                assertThat(accepted.get(i)).as("sender %d accepted", i).isEqualTo(perSender);
            }
            assertThat(receiver.next[i]).as("sender %d: received = accepted (none lost, none duplicated)", i)
                    .isEqualTo(accepted.get(i));
        }
        assertThat(receiver.failures).as("per-sender order").isEmpty();
        assertThat(events.closes.get()).as("onClosed on the sending side").isOne();
        assertThat(receiver.closes.get()).as("onClosed on the receiving side").isOne();
        assertThat(s.queuedBytes()).isZero();
        receiver.consumer.shutdown();
    }

    @Test
    void threadsAndTheEventLoopSendingOnOneStreamKeepOrderAndLoseNothing() throws Exception {
        long seed = Long.getLong("stress.seed", System.nanoTime());
        MuxConfig small = MuxConfig.defaults();
        List<String> rounds = new ArrayList<>();
        Map<Integer, Receiver> receivers = new ConcurrentHashMap<>();
        AtomicInteger round = new AtomicInteger();
        // The server's listener hands each new stream to that round's receiver.
        ConnectionListener server = stream -> receivers.get(round.get()).onStreamOpened(stream);
        try (LoopbackMux mux = LoopbackMux.start(small, server, s -> {})) {
            // A few long rounds, then many short ones where close() races the senders: a send that
            // passed its check just before close() and was accepted went out after the FIN (lost).
            for (int r = 0; r < 63; r++) {
                Receiver receiver = new Receiver();
                receivers.put(r, receiver);
                round.set(r);
                boolean closeRaces = r >= 3;
                rounds.add("round " + r + " seed " + (seed + r) + (closeRaces ? " (close races sends)" : ""));
                try {
                    round(mux, receiver, seed + r, closeRaces ? 40 : 250, closeRaces);
                } catch (AssertionError e) {
                    throw new AssertionError(String.join("\n", rounds) + "\n" + e.getMessage(), e);
                }
            }
            assertThat(mux.client.isClosed()).isFalse();
            assertThat(mux.client.streamCount()).isZero();
        }
    }
}
