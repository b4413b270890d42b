package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameListener;
import io.chainmux.wire.FrameReader;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The far end of a connection under test: sends exact frames into an {@link EmbeddedChannel} and
 * decodes exactly what the connection wrote. Deterministic: time moves only by {@link #advance}.
 */
final class ScriptedPeer implements AutoCloseable {
    final EmbeddedChannel channel;
    final MuxConnection connection;
    private final ArrayDeque<Frame> received = new ArrayDeque<>();
    private ByteBuf pendingOut = Unpooled.buffer();

    ScriptedPeer(MuxConfig config, boolean connectionIsDialer, ConnectionListener listener) {
        this(config, connectionIsDialer, listener, new MuxTotals());
    }

    ScriptedPeer(MuxConfig config, boolean connectionIsDialer, ConnectionListener listener, MuxTotals totals) {
        this.connection = new MuxConnection(config, connectionIsDialer, listener, totals);
        this.channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(connection.handler());
        channel.runPendingTasks();
    }

    /** A connection (the dialer) with default config and a listener that accepts nothing. */
    static ScriptedPeer dialer(ConnectionListener listener) {
        return new ScriptedPeer(MuxConfig.defaults(), true, listener);
    }

    // ---- sending frames to the connection

    ScriptedPeer send(Consumer<ByteBuf> writer) {
        ByteBuf b = Unpooled.buffer();
        writer.accept(b);
        channel.writeInbound(b);
        channel.runPendingTasks();
        return this;
    }

    ScriptedPeer sendRaw(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
        return this;
    }

    ScriptedPeer settings(Settings s) {
        return send(b -> FrameWriter.writeSettings(b, s));
    }

    ScriptedPeer settings() {
        return settings(Settings.defaults());
    }

    ScriptedPeer open(int id, String network) {
        return open(id, 16 * 1024 * 1024, network);
    }

    ScriptedPeer open(int id, int maxMessageSize, String network) {
        return send(b -> FrameWriter.writeOpen(b, id, maxMessageSize, network));
    }

    ScriptedPeer accept(int id) {
        return send(b -> FrameWriter.writeAccept(b, id, 16 * 1024 * 1024));
    }

    ScriptedPeer data(int id, int flags, byte[] payload) {
        return send(b -> FrameWriter.writeData(b, id, flags, Unpooled.wrappedBuffer(payload)));
    }

    ScriptedPeer message(int id, String text) {
        return data(id, WireFormat.FLAG_END_MESSAGE, text.getBytes(StandardCharsets.UTF_8));
    }

    ScriptedPeer fin(int id) {
        return data(id, WireFormat.FLAG_FIN, new byte[0]);
    }

    ScriptedPeer reset(int id, ErrorCode code) {
        return send(b -> FrameWriter.writeReset(b, id, code, null));
    }

    ScriptedPeer windowUpdate(int id, int increment) {
        return send(b -> FrameWriter.writeWindowUpdate(b, id, increment));
    }

    ScriptedPeer ping(long opaque) {
        return send(b -> FrameWriter.writePing(b, false, opaque));
    }

    ScriptedPeer goAway(int lastStreamId, ErrorCode code) {
        return send(b -> FrameWriter.writeGoAway(b, lastStreamId, code, "test"));
    }

    ScriptedPeer maxStreams(int n) {
        return send(b -> FrameWriter.writeMaxStreams(b, n));
    }

    ScriptedPeer advance(long amount, TimeUnit unit) {
        channel.advanceTimeBy(amount, unit);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
        return this;
    }

    // ---- reading what the connection wrote

    /** Decodes everything written so far. */
    List<Frame> drain() {
        channel.runPendingTasks();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            pendingOut.writeBytes(b);
            b.release();
        }
        while (FrameReader.readFrame(pendingOut, WireFormat.MAX_PAYLOAD_LENGTH, new Recorder())) {
            // each call appends to received
        }
        pendingOut.discardReadBytes();
        List<Frame> all = new ArrayList<>(received);
        received.clear();
        return all;
    }

    /** The next frame the connection wrote; fails if there is none. */
    Frame next() {
        if (received.isEmpty()) {
            received.addAll(drain());
        }
        assertThat(received).as("a frame from the connection").isNotEmpty();
        return received.poll();
    }

    Frame expect(FrameType type) {
        Frame f = next();
        assertThat(f.type()).as("frame " + f).isEqualTo(type);
        return f;
    }

    Frame expect(FrameType type, int streamId) {
        Frame f = expect(type);
        assertThat(f.streamId()).as("stream of " + f).isEqualTo(streamId);
        return f;
    }

    /** Consumes the connection's opening SETTINGS and the RTT probe PING it sends on ours. */
    ScriptedPeer handshake() {
        expect(FrameType.SETTINGS);
        settings();
        Frame ping = expect(FrameType.PING);
        send(b -> FrameWriter.writePing(b, true, ping.opaque()));
        return this;
    }

    void expectNothing() {
        assertThat(drain()).as("no frames").isEmpty();
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        pendingOut.release();
    }

    private final class Recorder implements FrameListener {
        @Override
        public void onData(int streamId, int flags, ByteBuf payload) {
            received.add(new Frame(FrameType.DATA, flags, streamId, ByteBufUtil.getBytes(payload), 0, null, null, null, 0));
        }

        @Override
        public void onOpen(int streamId, int maxMessageSize, String networkId) {
            received.add(new Frame(FrameType.OPEN, 0, streamId, null, maxMessageSize, null, networkId, null, 0));
        }

        @Override
        public void onAccept(int streamId, int maxMessageSize) {
            received.add(new Frame(FrameType.ACCEPT, 0, streamId, null, maxMessageSize, null, null, null, 0));
        }

        @Override
        public void onReset(int streamId, ErrorCode code, ByteBuf detail) {
            received.add(new Frame(FrameType.RESET, 0, streamId, ByteBufUtil.getBytes(detail), 0, code, null, null, 0));
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            received.add(new Frame(FrameType.WINDOW_UPDATE, 0, streamId, null, increment, null, null, null, 0));
        }

        @Override
        public void onPing(boolean ack, long opaque) {
            received.add(new Frame(FrameType.PING, ack ? 1 : 0, 0, null, 0, null, null, null, opaque));
        }

        @Override
        public void onGoAway(int lastStreamId, ErrorCode code, String reason) {
            received.add(new Frame(FrameType.GO_AWAY, 0, 0, null, lastStreamId, code, reason, null, 0));
        }

        @Override
        public void onSettings(Settings settings) {
            received.add(new Frame(FrameType.SETTINGS, 0, 0, null, 0, null, null, settings, 0));
        }

        @Override
        public void onMaxStreams(int maxStreams) {
            received.add(new Frame(FrameType.MAX_STREAMS, 0, 0, null, maxStreams, null, null, null, 0));
        }

        @Override
        public void onHandshake(FrameType type, ByteBuf payload) {
            received.add(new Frame(type, 0, 0, ByteBufUtil.getBytes(payload), 0, null, null, null, 0));
        }
    }
}
