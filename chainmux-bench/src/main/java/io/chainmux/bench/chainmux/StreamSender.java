package io.chainmux.bench.chainmux;

import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.Payloads;
import io.chainmux.bench.traffic.RoundRobinSender;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MessageEncoder;
import io.chainmux.mux.MessageSource;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;

import java.io.IOException;
import java.util.List;

/**
 * Client side, in one of two ways. Pulling: each stream gets a {@link MessageSource} that always has
 * its next message, and the connection's write pass takes them on the stream's turns, serialized
 * straight into the buffer that goes to the socket. Pushing: on its event loop, visits the streams round robin, giving each up to a quantum of
 * messages per pass while it is writable. A small message is serialized by {@link MuxStream#trySendEncoded}
 * straight into the room the stream lends (the way an application that serializes its messages
 * would send: no buffer of its own, no copy); a large one into a buffer of its own that the stream
 * takes over. A refused send ends that stream's turn (and arms {@code onWritable}, which brings the
 * sender back); no separate writability check per message.
 */
final class StreamSender implements StreamListener, Runnable, MessageEncoder {
    private final EventLoop loop;
    private final boolean pull;
    private final int size;
    private final int quantum;
    private final Meter meter;
    private List<MuxStream> streams;
    private long[] seqs;
    /** The message {@link #encode} writes: its stream index and sequence number. */
    private int encodingStream;
    private long encodingSeq;
    private int next;
    private boolean scheduled;
    private volatile boolean stopped;

    StreamSender(EventLoop loop, Workload w, Meter meter, boolean pull) {
        this.loop = loop;
        this.pull = pull;
        this.size = w.messageSize();
        this.quantum = Math.max(RoundRobinSender.MIN_QUANTUM, Loops.PASS_BUDGET / w.streams());
        this.meter = meter;
    }

    void start(List<MuxStream> streams) {
        this.streams = streams;
        this.seqs = new long[streams.size()];
        if (pull) {
            for (int i = 0; i < streams.size(); i++) {
                streams.get(i).sendFrom(new Source(i));
            }
        } else {
            loop.execute(this::schedule);
        }
    }

    /** Stops sending: the sources run dry at the next pull, the pushing sender at its next pass. */
    void stop() {
        stopped = true;
    }

    /** One stream's messages, endless until {@link #stop}. */
    private final class Source implements MessageSource {
        private final int stream;

        Source(int stream) {
            this.stream = stream;
        }

        @Override
        public int nextMaxLength() {
            return stopped ? NONE : size;
        }

        @Override
        public void encode(ByteBuf out) {
            Payloads.write(out, size, seqs[stream]++, stream);
        }
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
     * A small message is encoded in place by the stream; a large one is serialized straight into a
     * buffer of its own that the stream takes over and later slices onto the wire, so every message
     * is written once on its way to the socket.
     */
    private boolean send(MuxStream s, int i) {
        if (size <= MuxStream.COPY_THRESHOLD) {
            encodingStream = i;
            encodingSeq = seqs[i];
            if (s.trySendEncoded(size, this)) {
                seqs[i]++;
                return true;
            }
            return false;
        }
        ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(Payloads.LENGTH_PREFIX + size);
        Payloads.writeFramed(m, size, seqs[i], i);
        if (s.trySend(m.skipBytes(Payloads.LENGTH_PREFIX))) {
            seqs[i]++;
            return true;
        }
        m.release();
        return false;
    }

    @Override
    public void encode(ByteBuf out) {
        Payloads.write(out, size, encodingSeq, encodingStream);
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
