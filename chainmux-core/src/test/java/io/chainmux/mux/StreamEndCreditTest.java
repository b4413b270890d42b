package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.WireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every byte charged to a stream goes back to the connection exactly once, whatever ends the
 * stream: one test per way a stream can end, each with messages delivered to the application and
 * not yet read when it ends. The check: every byte the connection window was charged is either
 * available to the peer again or owed to it (queued for the next WINDOW_UPDATE on stream 0), never
 * less (credit lost: enough such streams freeze the connection) and never more (credit returned
 * twice: the peer could overrun what we buffer).
 */
class StreamEndCreditTest {
    private static final byte[] KB = new byte[1000];
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    private ScriptedPeer start(MuxConfig config) {
        peer = new ScriptedPeer(config, true, app);
        app.autoConsume = false;
        return peer.handshake();
    }

    private ScriptedPeer start() {
        return start(MuxConfig.defaults());
    }

    /** The peer opens stream 2 and sends three 1000-byte messages the application does not read. */
    private MuxStream inboundWithUnread() {
        peer.open(2, "n");
        for (int i = 0; i < 3; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, KB);
        }
        assertThat(app.payloads).hasSize(3);
        assertThat(peer.expect(FrameType.ACCEPT, 2).streamId()).isEqualTo(2);
        peer.drain();
        return app.opened.get(app.opened.size() - 1);
    }

    private void assertConnectionCreditWhole() {
        peer.drain();
        ReceiveWindow w = peer.connection.receiveFlow.connectionWindow();
        assertThat(w.available() + w.pending()).as("connection credit available + owed").isEqualTo(w.size());
        assertBudgetExact();
    }

    /** The receive budget holds exactly what the live streams have committed; ended streams nothing. */
    private void assertBudgetExact() {
        long live = 0;
        for (MuxStream st : peer.connection.registry.streams()) {
            live += st.inbox.committed();
        }
        for (MuxStream st : app.opened) {
            if (st.state() == StreamState.CLOSED) {
                assertThat(st.inbox.committed()).as("commitment of ended stream " + st).isZero();
            }
        }
        assertThat(peer.connection.stats().receiveCommitted()).as("budget committed").isEqualTo(live);
    }

    /** A late consumed() for messages of an ended stream must not return their credit a second time. */
    private void consumeLate(MuxStream s) {
        for (int i = 0; i < 3; i++) {
            s.consumed(KB.length);
        }
    }

    @Test
    void finBothWaysAfterReading() {
        start();
        MuxStream s = inboundWithUnread();
        consumeLate(s);
        peer.fin(2);
        s.close();
        peer.channel.runPendingTasks();
        assertThat(app.closes).containsExactly(CloseReason.NORMAL);
        assertConnectionCreditWhole();
    }

    @Test
    void finBothWaysWithMessagesUnread() {
        start();
        MuxStream s = inboundWithUnread();
        peer.fin(2);
        s.close();
        peer.channel.runPendingTasks();
        assertThat(app.closes).containsExactly(CloseReason.NORMAL);
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void peerReset() {
        start();
        MuxStream s = inboundWithUnread();
        peer.reset(2, ErrorCode.CANCEL);
        assertThat(app.closes).extracting(CloseReason::code).containsExactly(ErrorCode.CANCEL);
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void localReset() {
        start();
        MuxStream s = inboundWithUnread();
        s.reset(ErrorCode.CANCEL);
        peer.channel.runPendingTasks();
        assertThat(peer.expect(FrameType.RESET, 2).code()).isEqualTo(ErrorCode.CANCEL);
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void refusalWithABacklog() {
        start();
        app.acceptInbound = false;
        peer.open(2, "n").data(2, WireFormat.FLAG_END_MESSAGE, KB).data(2, 0, KB);
        app.opened.get(0).refuse(ErrorCode.REFUSED_BUSY, null);
        peer.channel.runPendingTasks();
        assertThat(peer.expect(FrameType.RESET, 2).code()).isEqualTo(ErrorCode.REFUSED_BUSY);
        assertConnectionCreditWhole();
    }

    @Test
    void messageTooLarge() {
        start(MuxConfig.builder().maxMessageSize(4000).maxReassemblyBytes(4000).build());
        MuxStream s = inboundWithUnread();
        peer.data(2, 0, new byte[3000]).data(2, WireFormat.FLAG_END_MESSAGE, new byte[3000]);
        assertThat(peer.expect(FrameType.RESET, 2).code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void reassemblyBudgetExceeded() {
        start(MuxConfig.builder().maxMessageSize(4000).maxReassemblyBytes(4000).build());
        MuxStream s = inboundWithUnread();
        peer.open(4, "other").data(4, 0, new byte[3500]);
        peer.drain();
        peer.data(2, 0, new byte[1000]);
        assertThat(peer.expect(FrameType.RESET, 2).code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        peer.data(4, WireFormat.FLAG_END_MESSAGE, new byte[10]);
        app.opened.get(1).consumed(3510);
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void dataAfterFin() {
        start();
        MuxStream s = inboundWithUnread();
        peer.fin(2).data(2, WireFormat.FLAG_END_MESSAGE, KB);
        assertThat(peer.drain()).anySatisfy(f -> {
            assertThat(f.type()).isEqualTo(FrameType.RESET);
            assertThat(f.code()).isEqualTo(ErrorCode.STREAM_CLOSED);
        });
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void dataForAClosedStream() {
        start();
        MuxStream s = inboundWithUnread();
        peer.reset(2, ErrorCode.CANCEL);
        peer.data(2, WireFormat.FLAG_END_MESSAGE, KB); // in flight when the peer reset it
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void listenerFailure() {
        start();
        MuxStream s = inboundWithUnread();
        app.failNextMessage = true;
        peer.data(2, WireFormat.FLAG_END_MESSAGE, KB);
        assertThat(app.closes).extracting(CloseReason::code).containsExactly(ErrorCode.INTERNAL_ERROR);
        assertConnectionCreditWhole();
        consumeLate(s);
        assertConnectionCreditWhole();
    }

    @Test
    void goAwayTimeout() {
        start();
        MuxStream s = inboundWithUnread();
        peer.connection.goAway("bye");
        peer.advance(31, TimeUnit.SECONDS);
        assertThat(app.closes).extracting(CloseReason::code).containsExactly(ErrorCode.CONNECTION_LOST);
        consumeLate(s);
        assertBudgetExact();
        assertThat(peer.connection.stats().receiveCommitted()).isZero();
    }

    @Test
    void connectionLoss() {
        start();
        MuxStream s = inboundWithUnread();
        assertThat(peer.connection.stats().receiveCommitted()).isEqualTo(MuxConfig.defaults().initialStreamWindow());
        peer.channel.close();
        assertThat(app.closes).extracting(CloseReason::code).containsExactly(ErrorCode.CONNECTION_LOST);
        consumeLate(s);
        assertBudgetExact();
        assertThat(peer.connection.stats().receiveCommitted()).isZero();
    }
}
