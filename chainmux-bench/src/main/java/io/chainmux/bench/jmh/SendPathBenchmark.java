package io.chainmux.bench.jmh;

import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Payloads;
import io.chainmux.bench.traffic.RoundRobinSender;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.ConnectionListener;
import io.chainmux.mux.MessageEncoder;
import io.chainmux.mux.MessageSource;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.channel.embedded.EmbeddedChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The sender's side of 64 B messages, the way {@code bench mux} sends them, on one thread and no
 * socket: ns per message for the send call ({@link MuxStream#trySendEncoded} with the benchmark's
 * encoder, {@link Payloads#write}) plus the write passes that take the messages to the channel.
 *
 * <p>The client connection sits on an {@link EmbeddedChannel} behind a stand-in for a socket that
 * the sender outruns ({@link Socket}): writes wait there, counted against the channel's water marks
 * (the benchmarks' 512 KiB / 1 MiB), and each drain hands the next 256 KiB of them to the "kernel"
 * (copied into a buffer of its own, as the kernel copies into its socket buffer, and released), which
 * lets a write pass run once the channel is writable again. So the channel
 * stays near its high water mark and sends queue, as on loopback; at 1000 streams the queues hold
 * what they do there: the connection's send buffer, filled to its limit and drained to half, over
 * and over (at one stream, about half the messages find the channel writable and take the fast path).
 * The peer is a real connection for the handshake and the opens; from then on a stand-in gives each
 * stream the window the receiver's autotuning would (its share of the receive budget, at most
 * 16 MiB) and returns credit for every message written (connection) or accepted (each stream, every
 * 128 messages, about as often as the receiver does), so no window stops the sender and the receive
 * side's CPU is not in the figure. The sender visits the streams as the benchmark's does: in turn,
 * up to 16 KiB of messages each, 1 MiB per pass, skipping a stream that is not writable.
 *
 * <p>{@code sending=pull} measures the other way to send: each stream has a {@link MessageSource}
 * ({@link MuxStream#sendFrom}) that always has its next message, encoded by the write passes
 * straight into the batch; there is no send call and no sender pass, only the drains.
 *
 * <p>How to run (from the repository root):
 * <pre>
 *   mvn -B -q -pl chainmux-bench -am -DskipTests package
 *   java -cp chainmux-bench/target/chainmux-bench.jar org.openjdk.jmh.Main SendPathBenchmark
 *   # one stream only, quicker and noisier: ... org.openjdk.jmh.Main SendPathBenchmark -p streams=1 -f 2 -i 5
 * </pre>
 * Results are nanoseconds per message (the score is per invocation of {@value #MESSAGES} messages):
 * the wall time, and {@code send:cpuNsPerMessage}, the thread's CPU time, which a busy machine moves
 * far less (a descheduled thread loses wall time but spends no CPU). JMH adds up such a counter over
 * the iterations in its summary line: divide it by the count, or read each iteration's value with
 * {@code -v EXTRA} (or from {@code -rf json}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(SendPathBenchmark.MESSAGES)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled", "-Xmx1g"})
public class SendPathBenchmark implements MessageEncoder {
    /** Messages per invocation: sends and the write passes that take them to the channel. */
    static final int MESSAGES = 16 * 1024;
    private static final int SIZE = 64;
    /** Messages a stream is granted credit for at a time (about what the receiver returns at once). */
    private static final int GRANT_MESSAGES = 128;
    /**
     * Bytes the socket takes per drain: a quarter of the channel's high water mark, less than a pass
     * of the sender and less than one stream's send buffer, so the sender outruns it and the channel
     * stays near its high water mark.
     */
    private static final long SOCKET_TAKES = Loops.WATER_MARK.high() / 4;
    /** Sender passes plus drains an invocation may take before the benchmark counts as stuck. */
    private static final int MAX_ROUNDS = 100_000;

    @Param({"1000", "1"})
    int streams;

    /** The connection's send buffer in MiB (default 32): how much the queues may hold, their working set. */
    @Param({"32"})
    int sendBufferMiB;

    /** push: the sender offers each message ({@code trySendEncoded}); pull: the streams' sources are pulled. */
    @Param({"push", "pull"})
    String sending;

    private EmbeddedChannel clientChannel;
    private EmbeddedChannel serverChannel;
    private Socket socket;
    private MuxConnection client;
    private MuxStream[] opened;
    private long[] seqs;
    /** Messages accepted per stream that no WINDOW_UPDATE has covered yet. */
    private int[] ungranted;
    private long connectionGranted;
    private int quantum;
    private int next;
    private int encodingStream;
    private long encodingSeq;

    @Setup(Level.Trial)
    public void setUp() {
        MuxConfig config = MuxConfig.builder().connectionSendBuffer(sendBufferMiB * 1024L * 1024).build();
        clientChannel = new EmbeddedChannel();
        serverChannel = new EmbeddedChannel();
        clientChannel.config().setWriteBufferWaterMark(Loops.WATER_MARK);
        kernel = clientChannel.alloc().directBuffer(64 * 1024, 64 * 1024);
        socket = new Socket();
        client = new MuxConnection(config, true, s -> {});
        MuxConnection server = new MuxConnection(config, false, new Acceptor());
        clientChannel.pipeline().addLast(socket, client.handler());
        serverChannel.pipeline().addLast(server.handler());
        pump();
        opened = new MuxStream[streams];
        StreamListener quiet = new Quiet();
        for (int i = 0; i < streams; i++) {
            opened[i] = client.openStream("chain-" + i + "/bench/1", 1024, 1, quiet);
        }
        pump();
        for (MuxStream s : opened) {
            if (s.id() == 0 || !s.isWritable()) {
                throw new IllegalStateException("stream not open after setup: " + s);
            }
        }
        seqs = new long[streams];
        ungranted = new int[streams];
        quantum = Math.max(RoundRobinSender.MIN_QUANTUM, Loops.PASS_BUDGET / streams);
        connectionGranted = chargedSoFar();
        socket.hold = true; // from here on the peer is the stand-in below
        // The windows the receiver's autotuning grows to within its receive budget (one stream: 16 MiB).
        long window = Math.min(config.maxStreamWindow(), config.receiveBudget() / streams);
        for (MuxStream s : opened) {
            grant(s.id(), (int) (window - config.initialStreamWindow()));
        }
        if (sending.equals("pull")) {
            for (int i = 0; i < streams; i++) {
                opened[i].sendFrom(new Source(i));
            }
        } else if (!sending.equals("push")) {
            throw new IllegalArgumentException("sending must be push or pull: " + sending);
        }
    }

    /** Stream {@code stream}'s endless messages, credited as {@link #send} credits them. */
    private final class Source implements MessageSource {
        private final int stream;

        Source(int stream) {
            this.stream = stream;
        }

        @Override
        public int nextMaxLength() {
            return SIZE;
        }

        @Override
        public void encode(ByteBuf out) {
            Payloads.write(out, SIZE, seqs[stream]++, stream);
            sent(opened[stream], stream);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernel.release();
        socket.discard();
        socket.hold = false; // what closing writes goes to the channel, which releases it
        clientChannel.finishAndReleaseAll(); // a last pass may pull messages, and the sources grant credit
        serverChannel.finishAndReleaseAll();
        if (credit != null) {
            credit.release();
            credit = null;
        }
    }

    @Benchmark
    public long send(ThreadCpuPerMessage cpu) {
        boolean pull = sending.equals("pull");
        long start = client.stats().messagesOut();
        int sent = 0;
        for (int round = 0; sent < MESSAGES; round++) {
            if (round == MAX_ROUNDS) {
                throw new IllegalStateException("no progress: " + sent + " messages sent, " + client.queuedBytes() + " bytes queued");
            }
            if (pull) {
                drain(); // the passes it lets run pull the messages
                sent = (int) (client.stats().messagesOut() - start);
            } else {
                sent += senderPass(MESSAGES - sent);
                drain();
            }
        }
        cpu.add(sent); // pulled: up to a pass beyond MESSAGES, counted as they are
        return client.stats().messagesOut();
    }

    /** One pass of the benchmark's sender ({@code StreamSender.run}), up to {@code limit} messages. */
    private int senderPass(int limit) {
        int n = streams;
        long budget = Loops.PASS_BUDGET;
        int sent = 0;
        for (int visited = 0; visited < n && budget > 0 && sent < limit; visited++) {
            int i = (next + visited) % n;
            MuxStream s = opened[i];
            int bytes = 0;
            if (s.isWritable()) {
                while (bytes < quantum && sent < limit && send(s, i)) {
                    bytes += SIZE;
                    sent++;
                }
            }
            budget -= bytes;
        }
        next = (next + 1) % n;
        return sent;
    }

    private boolean send(MuxStream s, int i) {
        encodingStream = i;
        encodingSeq = seqs[i];
        if (s.trySendEncoded(SIZE, this)) {
            seqs[i]++;
            sent(s, i);
            return true;
        }
        return false;
    }

    /** A message of stream {@code i} was taken: the stand-in peer credits every {@value #GRANT_MESSAGES}. */
    private void sent(MuxStream s, int i) {
        if (++ungranted[i] == GRANT_MESSAGES) {
            ungranted[i] = 0;
            grant(s.id(), GRANT_MESSAGES * (SIZE + 1));
        }
    }

    @Override
    public void encode(ByteBuf out) {
        Payloads.write(out, SIZE, encodingSeq, encodingStream);
    }

    /** Where the socket copies what it takes, as the kernel copies into its socket buffer. */
    private ByteBuf kernel;
    /** WINDOW_UPDATE frames for the next drain to deliver, or null. */
    private ByteBuf credit;

    /** Adds a WINDOW_UPDATE to the credit the next drain delivers. */
    private void grant(int streamId, int increment) {
        if (credit == null) {
            credit = clientChannel.alloc().buffer(16 * 1024);
        }
        FrameWriter.writeWindowUpdate(credit, streamId, increment);
    }

    /**
     * The socket takes the next {@link #SOCKET_TAKES} bytes (copies and releases them), the peer returns the
     * connection credit for what was written (and the streams' credit gathered since the last drain),
     * and the write pass this lets run fills the channel again.
     */
    private void drain() {
        socket.take(SOCKET_TAKES);
        Object m;
        while ((m = clientChannel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) m;
            for (int at = b.readerIndex(), end = b.writerIndex(); at < end; at += kernel.capacity()) {
                b.getBytes(at, kernel.clear(), Math.min(kernel.capacity(), end - at)); // the kernel's copy
            }
            b.release();
        }
        long charged = chargedSoFar();
        if (charged > connectionGranted) {
            grant(0, (int) (charged - connectionGranted));
            connectionGranted = charged;
        }
        if (credit != null) {
            ByteBuf c = credit;
            credit = null;
            clientChannel.writeInbound(c);
        }
        clientChannel.runPendingTasks();
    }

    /** What the client's DATA frames charged the connection window: every message is one whole frame. */
    private long chargedSoFar() {
        return client.stats().bytesOut() + client.stats().messagesOut();
    }

    /** Moves bytes both ways until nothing moves (setup only). */
    private void pump() {
        for (int round = 0; round < 10_000; round++) {
            clientChannel.runPendingTasks();
            serverChannel.runPendingTasks();
            if (!(move(clientChannel, serverChannel) | move(serverChannel, clientChannel))) {
                return;
            }
        }
        throw new IllegalStateException("setup did not settle");
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        Object m;
        while ((m = from.readOutbound()) != null) {
            to.writeInbound(m);
            moved = true;
        }
        return moved;
    }

    /**
     * A socket the sender outruns: once {@link #hold} is set, writes wait here (counted against the
     * channel's water marks, as in its outbound buffer) until {@link #take} passes on the next
     * {@code bytes} of them, as a kernel would.
     */
    private static final class Socket extends ChannelOutboundHandlerAdapter {
        boolean hold;
        private ChannelHandlerContext ctx;
        private PendingWriteQueue held;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.held = new PendingWriteQueue(ctx);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (hold) {
                held.add(msg, promise);
            } else {
                ctx.write(msg, promise);
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!hold) {
                ctx.flush();
            }
        }

        /** Passes on whole writes until at least {@code bytes} went (or none is left), and flushes them. */
        void take(long bytes) {
            long taken = 0;
            while (taken < bytes && !held.isEmpty()) {
                Object m = held.current();
                taken += m instanceof ByteBuf b ? b.readableBytes() : 0;
                held.removeAndWrite();
            }
            ctx.flush();
        }

        void discard() {
            if (held != null) {
                held.removeAndFailAll(new java.io.IOException("benchmark over"));
            }
        }
    }

    /** The peer during setup: accepts every stream. */
    private static final class Acceptor implements ConnectionListener {
        @Override
        public void onStreamOpened(MuxStream stream) {
            stream.accept(new Quiet(), 1024);
        }
    }

    /** A listener for streams that only send (and, on the peer, receive nothing during setup). */
    private static final class Quiet implements StreamListener {
        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            message.release();
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
        }
    }
}
