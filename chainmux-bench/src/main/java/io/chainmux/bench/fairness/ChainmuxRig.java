package io.chainmux.bench.fairness;

import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.ConnectionListener;
import io.chainmux.mux.LentMessageListener;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A chainmux connection: one stream per chain, with the chain's weight; a stalled chain's receiver
 * takes its messages but never reports them consumed, so its window is never renewed.
 */
final class ChainmuxRig implements FairnessRig {
    private final MuxPair pair;
    private final List<MuxStream> small = new ArrayList<>();

    ChainmuxRig(MuxConfig config, Sink sink) throws Exception {
        pair = new MuxPair(config, new Server(sink));
    }

    @Override
    public boolean hasWeights() {
        return true;
    }

    /** Opens a chain on the client loop that sends whenever the stream has room. */
    @Override
    public void saturate(int slot, int weight) {
        pair.onClientLoop(() -> {
            Saturator sat = new Saturator(Chains.tag(Chains.SATURATING, slot), Long.MAX_VALUE);
            sat.pump(pair.client.openStream("sat-" + slot, FairnessRun.SATURATING_MESSAGE, weight, sat));
        });
    }

    @Override
    public void openSmall(int count) throws Exception {
        CompletableFuture<Void> opened = new CompletableFuture<>();
        pair.onClientLoop(() -> {
            for (int i = 0; i < count; i++) {
                small.add(pair.client.openStream("small-" + i, FairnessRun.SMALL_MESSAGE, 1, Drop.INSTANCE));
            }
            opened.complete(null);
        });
        opened.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void sendSmall(int chain) {
        ByteBuf m = Chains.message(ByteBufAllocator.DEFAULT, Chains.tag(Chains.SMALL, chain), FairnessRun.SMALL_MESSAGE);
        if (!small.get(chain).trySend(m)) {
            m.release(); // refused only if its buffer is full: counted as not sent
        }
    }

    @Override
    public void flushSmall() {
        // The connection flushes once per event-loop pass.
    }

    @Override
    public ScheduledExecutorService ticker() {
        return pair.clientLoop();
    }

    @Override
    public void stall(int count, int bytes) {
        pair.onClientLoop(() -> {
            for (int i = 0; i < count; i++) {
                Saturator s = new Saturator(Chains.tag(Chains.STALLED, i), bytes);
                s.pump(pair.client.openStream("stall-" + i, FairnessRun.SATURATING_MESSAGE, 1, s));
            }
        });
    }

    /** Streams that ran out of window with data queued: every stalled chain, once all are in place. */
    @Override
    public long stallProgress() {
        return pair.client.stats().sendBlocked();
    }

    @Override
    public void close() {
        pair.close();
    }

    /** Client side of a chain: sends its quota whenever the stream has room (event loop only). */
    private static final class Saturator implements StreamListener {
        private final ByteBuf message;
        private long remaining;

        Saturator(int tag, long bytes) {
            message = Chains.message(ByteBufAllocator.DEFAULT, tag, FairnessRun.SATURATING_MESSAGE);
            remaining = bytes;
        }

        void pump(MuxStream s) {
            while (remaining > 0 && s.state().canSend() && s.trySendCopy(message)) {
                remaining -= FairnessRun.SATURATING_MESSAGE; // until refused: onWritable follows
            }
        }

        @Override
        public void onWritable(MuxStream s) {
            pump(s);
        }

        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            m.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {
            message.release();
        }
    }

    /** Client side of chains that only send. */
    private enum Drop implements StreamListener {
        INSTANCE;

        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            m.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {}
    }

    /**
     * Server side: accepts every chain and hands its messages to the sink. A chain that flows is
     * received as an application that processes in the callback would ({@link LentMessageListener}:
     * lent, consumed when the callback returns); a stalled chain's messages are handed over
     * ({@link Stalled}) and never consumed.
     */
    private static final class Server implements ConnectionListener, LentMessageListener {
        private final Sink sink;
        private final Stalled stalled;

        Server(Sink sink) {
            this.sink = sink;
            this.stalled = new Stalled(sink);
        }

        @Override
        public void onStreamOpened(MuxStream stream) {
            stream.accept(stream.networkId().startsWith("stall-") ? stalled : this, 1 << 20);
        }

        @Override
        public void onLentMessage(MuxStream s, ByteBuf m) {
            int tag = m.getInt(m.readerIndex());
            sink.onMessage(tag, m.getLong(m.readerIndex() + 4), m.readableBytes());
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {}
    }

    /** A stalled chain's reader: takes its messages and releases them, but has stopped reporting them consumed. */
    private record Stalled(Sink sink) implements StreamListener {
        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            int tag = m.getInt(m.readerIndex());
            sink.onMessage(tag, m.getLong(m.readerIndex() + 4), m.readableBytes());
            m.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {}
    }
}
