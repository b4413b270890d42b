package io.chainmux.bench.chainmux;

import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.Payloads;
import io.chainmux.bench.traffic.RoundRobinSender;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;

import java.io.IOException;
import java.util.List;

/**
 * Client side: on its event loop, visits the streams round robin, giving each up to a quantum of
 * messages per pass while it is writable. Each message is written into one reused scratch buffer and
 * handed over with {@link MuxStream#trySendCopy}, so a message costs no allocation of its own (the
 * way an application that serializes into a buffer would send). A refused send ends that stream's turn (and arms
 * {@code onWritable}, which brings the sender back); no separate writability check per message.
 */
final class StreamSender implements StreamListener, Runnable {
    private final EventLoop loop;
    private final int size;
    private final int quantum;
    private final Meter meter;
    private List<MuxStream> streams;
    private long[] seqs;
    private ByteBuf scratch;
    private int next;
    private boolean scheduled;
    private volatile boolean stopped;

    StreamSender(EventLoop loop, Workload w, Meter meter) {
        this.loop = loop;
        this.size = w.messageSize();
        this.quantum = Math.max(RoundRobinSender.MIN_QUANTUM, Loops.PASS_BUDGET / w.streams());
        this.meter = meter;
    }

    void start(List<MuxStream> streams) {
        this.streams = streams;
        this.seqs = new long[streams.size()];
        loop.execute(this::schedule);
    }

    void stop() {
        stopped = true;
        loop.execute(() -> {
            if (scratch != null) {
                scratch.release();
                scratch = null;
            }
        });
    }

    private void schedule() {
        if (!scheduled && !stopped) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        if (stopped) {
            return;
        }
        int n = streams.size();
        long budget = Loops.PASS_BUDGET;
        boolean progress = false;
        for (int visited = 0; visited < n && budget > 0; visited++) {
            int i = (next + visited) % n;
            MuxStream s = streams.get(i);
            int sent = 0;
            if (s.isWritable()) { // false for a closed stream too, where trySend would throw
                while (sent < quantum && send(s, i)) {
                    sent += size;
                }
            }
            budget -= sent;
            progress |= sent > 0;
        }
        next = (next + 1) % n;
        if (progress) {
            schedule();
        }
    }

    /**
     * Small messages are serialized into one reused scratch buffer and copied by the stream; a large
     * one is serialized straight into a buffer of its own that the stream takes over and later slices
     * onto the wire, so every message is copied exactly once on its way to the socket.
     */
    private boolean send(MuxStream s, int i) {
        if (size <= MuxStream.COPY_THRESHOLD) {
            if (s.trySendCopy(nextMessage(i))) {
                return true;
            }
        } else {
            ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(Payloads.LENGTH_PREFIX + size);
            Payloads.writeFramed(m, size, seqs[i]++, i);
            if (s.trySend(m.skipBytes(Payloads.LENGTH_PREFIX))) {
                return true;
            }
            m.release();
        }
        seqs[i]--; // refused: the same sequence number goes out next time
        return false;
    }

    /** Writes the next message of stream {@code i} into the reused scratch buffer. */
    private ByteBuf nextMessage(int i) {
        if (scratch == null) {
            scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Payloads.LENGTH_PREFIX + size);
        }
        scratch.clear();
        Payloads.writeFramed(scratch, size, seqs[i]++, i);
        return scratch.skipBytes(Payloads.LENGTH_PREFIX);
    }

    @Override
    public void onWritable(MuxStream stream) {
        schedule();
    }

    @Override
    public void onMessage(MuxStream stream, ByteBuf message) {
        message.release();
    }

    @Override
    public void onClosed(MuxStream stream, CloseReason reason) {
        if (!stopped) {
            meter.fail(new IOException("stream " + stream + " closed during the run: " + reason));
        }
    }
}
