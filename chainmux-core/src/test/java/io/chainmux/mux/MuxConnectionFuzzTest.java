package io.chainmux.mux;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the connection state machine (Jazzer): the input is a script of frames
 * from the peer (well-formed frames with fuzzed fields, or raw bytes), actions of the local
 * application (open, send, close, reset, go away) and time passing, run against a connection on an
 * EmbeddedChannel through {@link ScriptedPeer}. Invariants, after every step and at the end:
 *
 * <ul>
 *   <li>no exception escapes, and no unexpected failure is contained (nothing ends INTERNAL_ERROR);</li>
 *   <li>credit is conserved: the peer's view of our connection window (our initial window, plus
 *       every WINDOW_UPDATE we sent, minus every DATA charge it sent) equals ours; and once every
 *       stream has ended, every byte charged has come back (available + owed = window size);</li>
 *   <li>every stream hears exactly one {@code onClosed}, never two, and all have heard it once the
 *       connection is gone;</li>
 *   <li>memory stays within the budgets (partial messages, send buffers, streams);</li>
 *   <li>no buffer leaks (the paranoid leak detector fails the class otherwise).</li>
 * </ul>
 */
class MuxConnectionFuzzTest {
    private static final ErrorCode[] WIRE_CODES = java.util.Arrays.stream(ErrorCode.values())
            .filter(ErrorCode::onWire).toArray(ErrorCode[]::new);
    private static final String[] NETWORKS = {"a/sync/1", "a/sync/2", "b/refused/1", "a/other/1"};
    private static final MuxConfig CONFIG = MuxConfig.builder().maxMessageSize(64 * 1024)
            .maxReassemblyBytes(128 * 1024).initialStreamWindow(64 * 1024).maxStreamWindow(256 * 1024)
            .initialConnectionWindow(256 * 1024).maxConnectionWindow(1024 * 1024).maxInboundStreams(8)
            .maxStreamsPerNetwork(6).maxPendingAccepts(4).maxPendingOpens(4).streamSendBuffer(32 * 1024)
            .connectionSendBuffer(64 * 1024).pings(RateLimit.of(20, Duration.ofSeconds(10)))
            .receivedResets(RateLimit.of(20, Duration.ofSeconds(30))).sentResets(RateLimit.of(20, Duration.ofSeconds(30)))
            .messageTimeout(Duration.ofSeconds(5)).writeTimeout(Duration.ofSeconds(5)).build();

    /** Accepts streams of "a/..." networks, refuses others; counts every stream's closes. */
    private static final class App implements ConnectionListener, StreamListener {
        final Map<MuxStream, Integer> closes = new IdentityHashMap<>();
        final List<MuxStream> streams = new ArrayList<>();
        CloseReason connectionClosed;

        void track(MuxStream s) {
            streams.add(s);
            closes.putIfAbsent(s, 0);
        }

        @Override
        public void onStreamOpened(MuxStream stream) {
            if (stream.networkId().startsWith("a/")) {
                track(stream); // a refused stream never had a listener, so it hears nothing
                stream.accept(this, 64 * 1024);
            } else {
                stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
            }
        }

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            int length = message.readableBytes();
            message.release();
            stream.consumed(length);
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            int n = closes.merge(stream, 1, Integer::sum);
            assertThat(n).as("onClosed of %s (%s)", stream, reason).isEqualTo(1);
            assertThat(reason.code() == ErrorCode.INTERNAL_ERROR && !reason.remote() && !sourcesFault(reason))
                    .as("stream %s ended on an internal error: %s", stream, reason).isFalse();
        }

        /** The stream's {@link FuzzedSource} threw or announced no length, on purpose: its stream's fault only. */
        private static boolean sourcesFault(CloseReason reason) {
            String m = reason.message();
            return m.contains("message source failed")
                    && (m.contains(FuzzedSource.FAILURE) || m.contains("nextMaxLength() returned"));
        }

        @Override
        public void onClosed(MuxConnection connection, CloseReason reason) {
            connectionClosed = reason;
        }
    }

    /** What the peer knows of our connection window, from the frames alone. */
    private static final class PeerView {
        long window = -1;
        /** The peer sent raw bytes: it can no longer tell how the connection framed what followed. */
        boolean lost;

        void saw(List<Frame> frames) {
            for (Frame f : frames) {
                if (f.type() == FrameType.SETTINGS) {
                    window = f.settings().initialConnectionWindow();
                } else if (f.type() == FrameType.WINDOW_UPDATE && f.streamId() == 0) {
                    window += f.value();
                }
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void connectionKeepsItsInvariantsWhateverThePeerSends(FuzzedDataProvider data) {
        App app = new App();
        PeerView view = new PeerView();
        ScriptedPeer peer = new ScriptedPeer(CONFIG, true, app);
        try {
            MuxConnection connection = peer.connection;
            view.saw(peer.drain());
            if (data.consumeBoolean()) {
                peer.settings(); // most scripts start well
            }
            for (int step = 0; step < 64 && data.remainingBytes() > 0 && peer.channel.isOpen(); step++) {
                act(data, peer, app, view);
                view.saw(peer.drain());
                peer.channel.checkException();
                checkBounded(connection);
                if (!connection.isHardClosing() && !connection.isClosed() && view.window >= 0 && !view.lost) {
                    assertThat(connection.receiveFlow.connectionWindow().available())
                            .as("our connection window as the peer sees it").isEqualTo(view.window);
                }
            }
            if (!connection.isHardClosing() && !connection.isClosed()) {
                for (MuxStream s : new ArrayList<>(app.streams)) {
                    if (!s.terminated) {
                        s.reset(ErrorCode.CANCEL);
                    }
                }
                view.saw(peer.drain());
                ReceiveWindow w = connection.receiveFlow.connectionWindow();
                assertThat(connection.registry.isEmpty() || connection.registry.streams().stream().noneMatch(app.streams::contains))
                        .isTrue();
                if (connection.registry.isEmpty()) {
                    assertThat(w.available() + w.pending()).as("every charged byte came back").isEqualTo(w.size());
                    assertThat(connection.receiveFlow.reassemblyBytes()).isZero();
                }
            }
            peer.channel.close();
            peer.channel.runPendingTasks();
            assertThat(connection.isClosed()).isTrue();
            app.closes.forEach((s, n) -> assertThat(n).as("closes of %s", s).isEqualTo(1));
            assertThat(app.connectionClosed).isNotNull();
            assertThat(app.connectionClosed.code() == ErrorCode.INTERNAL_ERROR && !app.connectionClosed.remote())
                    .as("connection ended on an internal error: %s", app.connectionClosed).isFalse();
        } finally {
            peer.close();
        }
    }

    private static void checkBounded(MuxConnection connection) {
        assertThat(connection.receiveFlow.reassemblyBytes()).isLessThanOrEqualTo(CONFIG.maxReassemblyBytes());
        assertThat(connection.queuedBytes()).isLessThanOrEqualTo(CONFIG.connectionSendBuffer());
        assertThat(connection.registry.size()).isLessThanOrEqualTo(CONFIG.maxInboundStreams() + CONFIG.maxPendingOpens() + 64);
    }

    /**
     * Messages of fuzzed lengths (some past the window or the frame, or not a length at all), then
     * {@link MessageSource#NONE}; an encoder that may throw or write less than announced. At most
     * 40,000 bytes, as the offered messages (one larger than the connection's whole send buffer
     * would be queued alone, past the bound the harness checks).
     */
    private static final class FuzzedSource implements MessageSource {
        static final String FAILURE = "fuzzed source fails";
        private static final byte[] ZEROS = new byte[40_000];
        private final int[] lengths;
        private final boolean throwsOnLast;
        private int next;

        FuzzedSource(FuzzedDataProvider data) {
            lengths = new int[data.consumeInt(0, 6)];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = data.consumeInt(-3, 40_000); // up to what case 14 offers
            }
            throwsOnLast = data.consumeBoolean() && data.consumeBoolean();
        }

        @Override
        public int nextMaxLength() {
            return next < lengths.length ? lengths[next] : NONE;
        }

        @Override
        public void encode(ByteBuf out) {
            int n = lengths[next++];
            if (throwsOnLast && next == lengths.length) {
                throw new IllegalStateException(FAILURE);
            }
            out.writeBytes(ZEROS, 0, n - n / 7); // less than announced; from an array: no leak record per byte
        }
    }

    /** A stream id for a stream frame (the writer refuses 0; raw bytes cover that). */
    private static int streamId(FuzzedDataProvider data) {
        return data.consumeInt(1, 12);
    }

    private static void act(FuzzedDataProvider data, ScriptedPeer peer, App app, PeerView view) {
        int op = data.consumeInt(0, 18);
        switch (op) {
            case 0 -> peer.settings(new Settings(data.consumeInt(1024, 32 * 1024), data.consumeInt(0, 128 * 1024),
                    data.consumeInt(0, 512 * 1024), data.consumeInt(0, 16), data.consumeInt(1, 128 * 1024)));
            case 1, 2 -> peer.open(streamId(data), data.consumeInt(1, 128 * 1024), data.pickValue(NETWORKS));
            case 3 -> peer.accept(streamId(data));
            case 4, 5, 6 -> {
                int flags = data.consumeInt(0, 3);
                byte[] payload = data.consumeBytes(data.consumeInt(0, 20_000));
                if (payload.length == 0 && flags == 0) {
                    flags = WireFormat.FLAG_END_MESSAGE;
                }
                int id = streamId(data);
                peer.data(id, flags, payload);
                if (view.window >= 0) {
                    view.window -= WireFormat.dataCharge(payload.length, flags);
                }
            }
            case 7 -> peer.reset(streamId(data), data.pickValue(WIRE_CODES));
            case 8 -> peer.windowUpdate(data.consumeInt(0, 12), data.consumeInt(1, Integer.MAX_VALUE));
            case 9 -> peer.ping(data.consumeLong());
            case 10 -> peer.goAway(data.consumeInt(0, 12), data.pickValue(WIRE_CODES));
            case 11 -> peer.maxStreams(data.consumeInt(0, 16));
            case 12 -> {
                peer.sendRaw(data.consumeBytes(data.consumeInt(1, 64)));
                view.lost = true; // raw bytes may leave a partial frame: what follows is parsed differently
            }
            case 13 -> {
                if (peer.connection.isOpenForStreams()) {
                    app.track(peer.connection.openStream(data.pickValue(NETWORKS), 64 * 1024, data.consumeInt(1, 256), app));
                }
            }
            case 14 -> {
                if (!app.streams.isEmpty()) {
                    MuxStream s = app.streams.get(data.consumeInt(0, app.streams.size() - 1));
                    byte[] bytes = data.consumeBytes(data.consumeInt(1, 40_000));
                    // never the shared empty buffer, whose release does nothing
                    ByteBuf m = Unpooled.wrappedBuffer(bytes.length == 0 ? new byte[1] : bytes);
                    try {
                        if (!s.trySend(m)) {
                            m.release(); // refused (buffer full): still ours
                        }
                    } catch (IllegalStateException | IllegalArgumentException refused) {
                        // a closed stream or a message over the peer's limit: the stream took and released it
                        assertThat(m.refCnt()).as("a send that throws has taken its message: %s", refused.toString()).isZero();
                    }
                }
            }
            case 15 -> {
                if (!app.streams.isEmpty()) {
                    MuxStream s = app.streams.get(data.consumeInt(0, app.streams.size() - 1));
                    try {
                        if (data.consumeBoolean()) {
                            s.close();
                        } else {
                            s.reset(ErrorCode.CANCEL);
                        }
                    } catch (IllegalStateException alreadyClosed) {
                        // a bad call fails the call, nothing else
                    }
                }
            }
            case 16 -> peer.connection.goAway("fuzz");
            case 17 -> {
                if (!app.streams.isEmpty()) {
                    MuxStream s = app.streams.get(data.consumeInt(0, app.streams.size() - 1));
                    try {
                        if (data.consumeBoolean()) {
                            s.sendFrom(new FuzzedSource(data));
                        } else {
                            s.sourceReady();
                        }
                    } catch (ClosedException closed) {
                        // a stream that cannot send refuses a source: the call fails, nothing else
                    }
                }
            }
            default -> peer.advance(data.consumeInt(0, 8_000), TimeUnit.MILLISECONDS);
        }
    }
}
