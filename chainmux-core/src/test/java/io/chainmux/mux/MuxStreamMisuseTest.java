package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every public method of {@link MuxStream} fed bad arguments and wrong states, against a scripted
 * peer: the call fails on the caller's thread, or only its stream is reset; the other stream on the
 * connection keeps working and the connection stays up (docs/ARCHITECTURE.md, "Failure scope").
 */
class MuxStreamMisuseTest {
    private final RecordingListener connection = new RecordingListener();
    private final RecordingListener victimEvents = new RecordingListener();
    private final RecordingListener bystanderEvents = new RecordingListener();
    private ScriptedPeer peer;
    /** Stream 1: the one misused. */
    private MuxStream victim;
    /** Stream 3: must not notice. */
    private MuxStream bystander;

    @BeforeEach
    void open() {
        peer = ScriptedPeer.dialer(connection).handshake();
        victim = peer.connection.openStream("chain-1/test/1", 1 << 20, 1, victimEvents);
        bystander = peer.connection.openStream("chain-2/test/1", 1 << 20, 1, bystanderEvents);
        peer.expect(FrameType.OPEN, 1);
        peer.expect(FrameType.OPEN, 3);
        peer.accept(1).accept(3);
        peer.expectNothing();
    }

    @AfterEach
    void close() {
        peer.close();
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static ByteBuf large(int size) {
        return Unpooled.directBuffer(size).writeZero(size);
    }

    /** The connection is up, nothing connection-wide was sent, and the bystander still works both ways. */
    private void bystanderStillWorks() {
        List<Frame> frames = peer.drain();
        assertThat(frames).noneMatch(f -> f.type() == FrameType.GO_AWAY);
        assertThat(frames).noneMatch(f -> f.streamId() == 3 && f.type() == FrameType.RESET);
        assertThat(peer.channel.isActive()).isTrue();
        assertThat(bystander.trySend(text("still here"))).isTrue();
        Frame data = peer.expect(FrameType.DATA, 3);
        assertThat(new String(data.payload(), StandardCharsets.UTF_8)).isEqualTo("still here");
        peer.message(3, "and back");
        assertThat(bystanderEvents.messages).endsWith("and back");
        assertThat(bystanderEvents.closes).isEmpty();
        assertThat(connection.connectionClosed).isNull();
    }

    // ------------------------------------------------------------------ trySend, trySendCopy

    @Test
    void trySendOfAReleasedBufferFailsTheCallOnly() {
        ByteBuf released = text("gone");
        released.release();
        assertThatThrownBy(() -> victim.trySend(released)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already released");
        assertThatThrownBy(() -> victim.trySendCopy(released)).isInstanceOf(IllegalArgumentException.class);
        assertThat(victim.queuedBytes()).isZero();
        bystanderStillWorks();
        assertThat(victim.trySend(text("the victim too"))).isTrue();
        assertThat(peer.expect(FrameType.DATA, 1).payload()).hasSize(14);
    }

    @Test
    void trySendOfAReleasedBufferFromAnotherThreadFailsTheCallNotTheConnection() throws Exception {
        // Off the loop a message is queued by reference: a released one used to be accepted, and then
        // failed every write pass of the connection.
        java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        StreamListener collect = new StreamListener() {
            @Override
            public void onMessage(MuxStream stream, ByteBuf message) {
                int length = message.readableBytes();
                received.add(message.toString(StandardCharsets.UTF_8));
                message.release();
                stream.consumed(length);
            }

            @Override
            public void onClosed(MuxStream stream, CloseReason reason) {
            }
        };
        ConnectionListener server = stream -> stream.accept(collect, 1 << 20);
        try (LoopbackMux mux = LoopbackMux.start(MuxConfig.defaults(), server, s -> {})) {
            MuxStream s = mux.client.openStream("chain-1/test/1", 1 << 20, 1, collect);
            ByteBuf released = text("gone");
            released.release();
            assertThat(mux.client.inEventLoop()).isFalse();
            assertThatThrownBy(() -> s.trySend(released)).isInstanceOf(IllegalArgumentException.class);
            assertThat(s.trySend(text("next"))).isTrue();
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("next");
            assertThat(mux.client.isClosed()).isFalse();
        }
    }

    @Test
    void aMessageReleasedAfterTrySendAcceptedItResetsOnlyItsStream() {
        ByteBuf handedOver = large(4 * OutboundWriter.COPY_THRESHOLD); // queued by reference
        assertThat(victim.trySend(handedOver)).isTrue();
        handedOver.release(); // breaks the ownership rule before the write pass runs
        Frame reset = peer.expect(FrameType.RESET, 1);
        assertThat(reset.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(victimEvents.closes).singleElement()
                .satisfies(r -> assertThat(r.message()).contains("released"));
        bystanderStillWorks();
    }

    @Test
    void trySendOnAClosedStreamThrowsAClosedExceptionThatSaysWhoClosedIt() {
        victim.reset(ErrorCode.CANCEL);
        peer.expect(FrameType.RESET, 1);
        ByteBuf m = text("late");
        assertThatThrownBy(() -> victim.trySend(m)).isInstanceOfSatisfying(ClosedException.class, e -> {
            assertThat(e.closedByUs()).isTrue();
            assertThat(e.connectionLost()).isFalse();
            assertThat(e.reason().code()).isEqualTo(ErrorCode.CANCEL);
        });
        assertThat(m.refCnt()).as("a send that throws has taken the message").isZero();

        peer.reset(3, ErrorCode.CANCEL);
        ByteBuf m2 = text("late");
        assertThatThrownBy(() -> bystander.trySend(m2)).isInstanceOfSatisfying(ClosedException.class, e -> {
            assertThat(e.closedByUs()).isFalse();
            assertThat(e.reason().remote()).isTrue();
        });
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void trySendAfterCloseFailsAsHalfClosedByUs() {
        victim.close();
        victim.close(); // idempotent
        ByteBuf m = text("after close");
        assertThatThrownBy(() -> victim.trySend(m)).isInstanceOfSatisfying(ClosedException.class,
                e -> assertThat(e.closedByUs()).isTrue());
        ByteBuf copied = text("after close");
        assertThatThrownBy(() -> victim.trySendCopy(copied)).isInstanceOf(ClosedException.class);
        assertThat(copied.refCnt()).as("trySendCopy never takes the message").isOne();
        copied.release();
        bystanderStillWorks();
    }

    @Test
    void trySendOfATooLargeMessageFailsTheCallAndTakesTheMessage() {
        peer.connection.openStream("chain-3/test/1", 100, 1, new RecordingListener());
        peer.expect(FrameType.OPEN, 5);
        peer.send(b -> io.chainmux.wire.FrameWriter.writeAccept(b, 5, 10));
        MuxStream limited = peer.connection.registry.get(5);
        ByteBuf big = Unpooled.wrappedBuffer(new byte[11]);
        assertThatThrownBy(() -> limited.trySend(big)).isInstanceOf(MessageTooLargeException.class);
        assertThat(big.refCnt()).isZero();
        ByteBuf borrowed = Unpooled.wrappedBuffer(new byte[11]);
        assertThatThrownBy(() -> limited.trySendCopy(borrowed)).isInstanceOf(MessageTooLargeException.class);
        assertThat(borrowed.refCnt()).isOne();
        borrowed.release();
        assertThat(limited.state()).isEqualTo(StreamState.OPEN);
        bystanderStillWorks();
    }

    // ------------------------------------------------------------------ reset, refuse, setWeight

    @Test
    void resetWithACodeThatNeverGoesOnTheWireFailsTheCallNotTheConnection() {
        assertThatThrownBy(() -> victim.reset(ErrorCode.CONNECTION_LOST)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> victim.reset(ErrorCode.UNKNOWN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> victim.reset(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> victim.reset(ErrorCode.CANCEL, new byte[WireFormat.MAX_RESET_DETAIL_LENGTH + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(victim.state()).isEqualTo(StreamState.OPEN);
        bystanderStillWorks();
        victim.reset(ErrorCode.CANCEL);
        victim.reset(ErrorCode.CANCEL); // once ended, a no-op
        assertThat(peer.expect(FrameType.RESET, 1).code()).isEqualTo(ErrorCode.CANCEL);
        peer.expectNothing();
        assertThat(victimEvents.closes).hasSize(1);
    }

    @Test
    void setWeightOutOfRangeFailsTheCallNotTheConnection() {
        assertThatThrownBy(() -> victim.setWeight(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> victim.setWeight(257)).isInstanceOf(IllegalArgumentException.class);
        assertThat(victim.weight()).isOne();
        victim.setWeight(256);
        assertThat(victim.weight()).isEqualTo(256);
        bystanderStillWorks();
    }

    @Test
    void refuseAndAcceptCheckTheirArgumentsAndTheStreamsDirection() {
        assertThatThrownBy(() -> victim.refuse(ErrorCode.REFUSED_BUSY, null))
                .as("an outbound stream is not refused").isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> victim.accept(victimEvents, 100)).isInstanceOf(IllegalStateException.class);
        connection.acceptInbound = false;
        peer.open(2, "chain-4/test/1");
        MuxStream inbound = connection.opened.get(0);
        assertThatThrownBy(() -> inbound.refuse(ErrorCode.CANCEL, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inbound.refuse(ErrorCode.REFUSED_BUSY, new byte[WireFormat.MAX_RESET_DETAIL_LENGTH + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inbound.accept(null, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inbound.accept(victimEvents, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(inbound.state()).isEqualTo(StreamState.PENDING_ACCEPT);
        bystanderStillWorks();
        inbound.refuse(ErrorCode.REFUSED_BUSY, "try elsewhere".getBytes(StandardCharsets.UTF_8));
        assertThat(peer.expect(FrameType.RESET, 2).code()).isEqualTo(ErrorCode.REFUSED_BUSY);
    }

    // ------------------------------------------------------------------ consumed

    @Test
    void consumedRefusesToReturnMoreThanWasDelivered() {
        victimEvents.autoConsume = false;
        assertThatThrownBy(() -> victim.consumed(0)).as("nothing delivered yet")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> victim.consumed(-1)).isInstanceOf(IllegalArgumentException.class);
        peer.message(1, "0123456789");
        victim.consumed(10);
        assertThatThrownBy(() -> victim.consumed(10)).as("a second call for the same message")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than was delivered");
        peer.message(1, "0123456789");
        assertThatThrownBy(() -> victim.consumed(11)).as("a wrong length")
                .isInstanceOf(IllegalArgumentException.class);
        victim.consumed(10); // the refused calls changed nothing: the right one still goes through
        bystanderStillWorks();
    }

    @Test
    void consumedCannotInflateTheWindowTheStreamGrants() {
        victimEvents.autoConsume = false;
        for (int i = 0; i < 2; i++) {
            peer.data(1, WireFormat.FLAG_END_MESSAGE, new byte[1000]);
        }
        victim.consumed(1000);
        victim.consumed(1000);
        peer.drain(); // whatever credit the two right calls returned
        // Before the check, a third call for a message never received returned credit the peer never used.
        assertThatThrownBy(() -> victim.consumed(1000)).isInstanceOf(IllegalArgumentException.class);
        assertThat(peer.drain()).noneMatch(f -> f.type() == FrameType.WINDOW_UPDATE && f.streamId() == 1);
        bystanderStillWorks();
    }

    // ------------------------------------------------------------------ wrong thread

    @Test
    void loopOnlyMethodsFailOffTheEventLoop() throws Exception {
        try (LoopbackMux mux = LoopbackMux.start(MuxConfig.defaults(), new RecordingListener(), s -> {})) {
            MuxConnection s = mux.client;
            assertThat(s.inEventLoop()).isFalse();
            assertThatThrownBy(() -> s.writer.requestWrite()).isInstanceOf(AssertionError.class);
            assertThatThrownBy(() -> s.connectionError(ErrorCode.INTERNAL_ERROR, "off the loop"))
                    .isInstanceOf(AssertionError.class);
            assertThat(s.isClosed()).isFalse();
            assertThat(s.ping().get(10, java.util.concurrent.TimeUnit.SECONDS)).isPositive();
        }
    }

    @Test
    void testsRunWithAssertionsEnabled() {
        boolean enabled = false;
        assert enabled = true;
        assertThat(enabled).as("surefire must run with -ea: the loop-only checks are asserts").isTrue();
    }
}
