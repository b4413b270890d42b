package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The mux end to end over real loopback TCP: content, order, backpressure, isolation. */
class LoopbackMuxTest {
    private static final long WAIT_SECONDS = 20;

    /** Server side: echoes every message back on its stream, returning credit once the echo is queued. */
    static final class EchoServer implements ConnectionListener {
        final List<String> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onStreamOpened(MuxStream stream) {
            stream.accept(new StreamListener() {
                private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
                private boolean closeWhenDrained;

                @Override
                public void onMessage(MuxStream s, ByteBuf message) {
                    if (pending.isEmpty() && send(s, message)) {
                        return;
                    }
                    pending.add(message);
                }

                private boolean send(MuxStream s, ByteBuf message) {
                    int length = message.readableBytes();
                    if (s.trySend(message)) {
                        s.consumed(length);
                        return true;
                    }
                    return false;
                }

                @Override
                public void onWritable(MuxStream s) {
                    while (!pending.isEmpty() && send(s, pending.peek())) {
                        pending.poll();
                    }
                    if (closeWhenDrained && pending.isEmpty()) {
                        s.close();
                    }
                }

                @Override
                public void onRemoteClosed(MuxStream s) {
                    closeWhenDrained = true;
                    if (pending.isEmpty()) {
                        s.close(); // echo everything first, then half-close our side too
                    }
                }

                @Override
                public void onClosed(MuxStream s, CloseReason reason) {
                    pending.forEach(ByteBuf::release);
                    pending.clear();
                    if (!reason.isNormal()) {
                        failures.add(s + ": " + reason);
                    }
                }
            }, 4 * 1024 * 1024);
        }
    }

    /** Client side of one stream: checks echoes by content and order. */
    static final class Verifier implements StreamListener {
        final int index;
        final int expected;
        final CountDownLatch done;
        final Semaphore writable = new Semaphore(0);
        final List<String> failures;
        int nextSeq;
        volatile CloseReason closed;

        Verifier(int index, int expected, CountDownLatch done, List<String> failures) {
            this.index = index;
            this.expected = expected;
            this.done = done;
            this.failures = failures;
        }

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            int length = message.readableBytes();
            if (!TestMessages.matches(index, nextSeq, message)) {
                failures.add("stream " + index + " message " + nextSeq + " differs (" + length + " bytes)");
            }
            message.release();
            stream.consumed(length);
            nextSeq++;
        }

        @Override
        public void onWritable(MuxStream stream) {
            writable.release();
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closed = reason;
            if (!reason.isNormal()) {
                failures.add("stream " + index + " closed: " + reason);
            } else if (nextSeq != expected) {
                failures.add("stream " + index + " got " + nextSeq + " of " + expected + " echoes");
            }
            done.countDown();
        }
    }

    /** Sends from an application thread, waiting (bounded) for writability when refused. */
    static void sendAll(MuxStream stream, Verifier v, int count) throws InterruptedException {
        for (int seq = 0; seq < count; seq++) {
            ByteBuf m = TestMessages.buffer(v.index, seq);
            int attempts = 0;
            while (!stream.trySend(m)) {
                if (++attempts > 1000 || !v.writable.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    m.release();
                    throw new AssertionError("stream " + v.index + " never became writable again");
                }
            }
        }
        stream.close();
    }

    @Test
    void manyStreamsCarryLargeAndSmallMessagesWholeAndInOrderBothWays() throws Exception {
        int streams = 64;
        int messages = 100;
        EchoServer echo = new EchoServer();
        List<String> failures = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(streams);
        try (LoopbackMux pair = LoopbackMux.start(MuxConfig.defaults(), echo, s -> s.refuse(
                io.chainmux.wire.ErrorCode.REFUSED_UNKNOWN_NETWORK, null))) {
            List<MuxStream> opened = new ArrayList<>();
            List<Verifier> verifiers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                Verifier v = new Verifier(i, messages, done, failures);
                verifiers.add(v);
                opened.add(pair.client.openStream("chain-" + i + "/test/1", 4 * 1024 * 1024, 1, v));
            }
            List<Thread> senders = new ArrayList<>();
            List<Throwable> senderErrors = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = first; i < streams; i += 4) {
                            sendAll(opened.get(i), verifiers.get(i), messages);
                        }
                    } catch (Throwable e) {
                        senderErrors.add(e);
                    }
                }, "sender-" + t);
                th.start();
                senders.add(th);
            }
            for (Thread th : senders) {
                th.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            }
            assertThat(senderErrors).isEmpty();
            if (!done.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                StringBuilder state = new StringBuilder();
                for (int i = 0; i < streams; i++) {
                    MuxStream s = opened.get(i);
                    state.append(i).append(": ").append(s).append(" queued=").append(s.queuedBytes())
                            .append(" echoes=").append(verifiers.get(i).nextSeq).append('\n');
                }
                String clientState = pair.client.channel().eventLoop().submit(pair.client::debugState).get();
                String serverState = pair.server.channel().eventLoop().submit(pair.server::debugState).get();
                throw new AssertionError("streams did not finish\nCLIENT " + clientState + "\nSERVER " + serverState
                        + "\nclient queued=" + pair.client.queuedBytes()
                        + " server queued=" + pair.server.queuedBytes() + "\n" + state);
            }
            assertThat(failures).isEmpty();
            assertThat(echo.failures).isEmpty();
            assertThat(pair.client.stats().messagesIn()).isEqualTo((long) streams * messages);
            assertThat(pair.server.stats().messagesIn()).isEqualTo((long) streams * messages);
        }
    }

    /**
     * Sends from another thread wait in a bounded per-stream deque until the loop takes them in: the
     * bound refuses the next send, order holds, and once taken in the stream keeps no structure for
     * them (an idle stream costs no queue for other threads).
     */
    @Test
    void sendsFromAnotherThreadAreBoundedKeepTheirOrderAndLeaveNothingBehind() throws Exception {
        int bound = 4;
        // A window that covers the held sends: this is about the count bound, not the bytes a stream
        // may queue beyond its window (UncreditedSendTest).
        MuxConfig config = MuxConfig.builder().maxQueuedMessagesPerStream(bound).initialStreamWindow(1 << 20).build();
        EchoServer echo = new EchoServer();
        List<String> failures = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        try (LoopbackMux pair = LoopbackMux.start(config, echo, s -> s.refuse(
                io.chainmux.wire.ErrorCode.REFUSED_UNKNOWN_NETWORK, null))) {
            Verifier v = new Verifier(0, 2 * bound, done, failures);
            MuxStream stream = pair.client.openStream("chain-0/test/1", 4 * 1024 * 1024, 1, v);
            EventLoop loop = pair.client.channel().eventLoop();
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            loop.execute(() -> { // the loop takes nothing in while held
                held.countDown();
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(held.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            for (int seq = 0; seq < bound; seq++) {
                assertThat(stream.trySend(TestMessages.buffer(0, seq))).as("send %d", seq).isTrue();
            }
            ByteBuf refused = TestMessages.buffer(0, bound);
            assertThat(stream.trySend(refused)).as("beyond the bound of other threads' sends").isFalse();
            refused.release();
            release.countDown();
            for (int seq = bound; seq < 2 * bound; seq++) {
                ByteBuf m = TestMessages.buffer(0, seq);
                int attempts = 0;
                while (!stream.trySend(m)) {
                    if (++attempts > 1000 || !v.writable.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
                        m.release();
                        throw new AssertionError("never writable again");
                    }
                }
            }
            stream.close();
            assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("all echoes back").isTrue();
            assertThat(failures).isEmpty();
            assertThat(v.nextSeq).isEqualTo(2 * bound);
            assertThat(loop.submit(() -> stream.outbound.holdsForeign()).get(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("nothing kept for other threads' sends once taken in").isFalse();
        }
    }

    @Test
    void aConnectionWindowTooSmallForTheEndOfAMessageLeavesTheLoopIdle() throws Exception {
        // A 20-byte connection window; the server holds the first message unconsumed, so the fragment
        // of the second is not credited back: the client keeps 1 byte of window while the end of
        // that message needs 2, and must wait for the update instead of re-running write passes.
        MuxConfig config = MuxConfig.builder().initialConnectionWindow(20).autotuneWindows(false).build();
        List<ByteBuf> held = new CopyOnWriteArrayList<>();
        AtomicReference<MuxStream> serverStream = new AtomicReference<>();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        ConnectionListener server = stream -> stream.accept(new StreamListener() {
            @Override
            public void onMessage(MuxStream s, ByteBuf message) {
                serverStream.set(s);
                held.add(message);
                (held.size() == 1 ? first : second).countDown();
            }

            @Override
            public void onClosed(MuxStream s, CloseReason reason) { }
        }, 100);
        try (LoopbackMux pair = LoopbackMux.start(config, server, s -> s.refuse(
                io.chainmux.wire.ErrorCode.REFUSED_UNKNOWN_NETWORK, null))) {
            MuxStream stream = pair.client.openStream("n", 100, 1, new RecordingListener());
            assertThat(stream.trySend(Unpooled.wrappedBuffer(new byte[8]))).isTrue(); // charge 9
            assertThat(stream.trySend(Unpooled.wrappedBuffer(new byte[11]))).isTrue(); // 10 go out, 1 byte left
            var loop = pair.client.channel().eventLoop();
            Callable<Long> stalls = () -> pair.client.stats().connectionWindowStalls();
            // Blocked, and every frame the server sends before it returns credit is in (its ACCEPT, its
            // ack of our RTT PING, and its own PING, answered): none of them can request a pass later.
            Callable<Boolean> settled = () -> pair.client.stats().connectionWindowStalls() > 0
                    && stream.state() == StreamState.OPEN && pair.client.rtt() != null && pair.server.rtt() != null;
            boolean blocked = false;
            for (int i = 0; i < 100_000 && !blocked; i++) {
                blocked = loop.submit(settled).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            assertThat(blocked).as("the client reached the blocked state, the server's frames all in").isTrue();
            // Tasks run in order: a pass that keeps re-scheduling itself runs between these two.
            long before = loop.submit(stalls).get(WAIT_SECONDS, TimeUnit.SECONDS);
            long after = loop.submit(stalls).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(after).as("write passes while blocked on the connection window").isEqualTo(before);
            assertThat(first.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            serverStream.get().consumed(held.get(0).readableBytes()); // returns the credit: the message ends
            assertThat(second.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(held.get(1).readableBytes()).isEqualTo(11);
        } finally {
            held.forEach(ByteBuf::release);
        }
    }

    @Test
    void aStalledReaderDoesNotStopOtherStreams() throws Exception {
        MuxConfig config = MuxConfig.defaults();
        AtomicLong stalledBytes = new AtomicLong();
        AtomicInteger fastMessages = new AtomicInteger();
        CountDownLatch fastDone = new CountDownLatch(1);
        int fastCount = 2000;
        ConnectionListener server = stream -> stream.accept(new StreamListener() {
            @Override
            public void onMessage(MuxStream s, ByteBuf message) {
                int length = message.readableBytes();
                message.release();
                if (s.networkId().equals("stalled")) {
                    stalledBytes.addAndGet(length); // never consumed: the window stays spent
                } else {
                    s.consumed(length);
                    if (fastMessages.incrementAndGet() == fastCount) {
                        fastDone.countDown();
                    }
                }
            }

            @Override
            public void onClosed(MuxStream s, CloseReason reason) {}
        }, 1 << 20);
        Map<String, Semaphore> writable = new ConcurrentHashMap<>();
        StreamListener client = new StreamListener() {
            @Override
            public void onMessage(MuxStream s, ByteBuf message) {
                message.release();
            }

            @Override
            public void onWritable(MuxStream s) {
                writable.get(s.networkId()).release();
            }

            @Override
            public void onClosed(MuxStream s, CloseReason reason) {}
        };
        writable.put("stalled", new Semaphore(0));
        writable.put("fast", new Semaphore(0));
        try (LoopbackMux pair = LoopbackMux.start(config, server, s -> {})) {
            MuxStream stalled = pair.client.openStream("stalled", 1 << 20, 1, client);
            MuxStream fast = pair.client.openStream("fast", 1 << 20, 1, client);
            int refused = 0;
            for (int i = 0; i < 10_000 && refused == 0; i++) {
                ByteBuf m = Unpooled.wrappedBuffer(new byte[8192]);
                if (!stalled.trySend(m)) {
                    m.release();
                    refused++;
                }
            }
            assertThat(refused).as("the stalled stream's send buffer fills up").isEqualTo(1);
            for (int i = 0; i < fastCount; i++) {
                ByteBuf m = Unpooled.wrappedBuffer(new byte[1000]);
                while (!fast.trySend(m)) {
                    assertThat(writable.get("fast").tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                }
            }
            assertThat(fastDone.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("fast stream delivered everything").isTrue();
            assertThat(stalledBytes.get()).as("the stalled stream got at most its window")
                    .isLessThanOrEqualTo(config.initialStreamWindow());
            assertThat(stalled.queuedBytes()).as("the stalled stream still has data it may not send").isPositive();
        }
    }
}
