package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MuxStream#trySendEncoded}: the message written in place, on an {@link io.netty.channel.embedded.EmbeddedChannel}. */
class EncodedSendTest {
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void close() {
        if (peer != null) {
            peer.close();
        }
    }

    private void accept(int id, int maxMessageSize) {
        peer.send(b -> FrameWriter.writeAccept(b, id, maxMessageSize));
    }

    /** An open stream (id 1) with a stream window of {@code window} bytes and peer message limit 100. */
    private MuxStream open(int window) {
        peer = new ScriptedPeer(MuxConfig.builder().build(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(16384, window, 1 << 24, 10, 1 << 24));
        peer.expect(FrameType.PING);
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        accept(1, 100);
        return s;
    }

    private static MessageEncoder text(String t) {
        return out -> out.writeCharSequence(t, StandardCharsets.US_ASCII);
    }

    private String nextData() {
        return new String(peer.expect(FrameType.DATA).payload(), StandardCharsets.US_ASCII);
    }

    @Test
    void aMessageIsFramedWhereTheEncoderWritesItWithTheLengthItWrote() {
        MuxStream s = open(1 << 20);
        assertThat(s.trySendEncoded(50, text("abc"))).isTrue();
        assertThat(s.queuedBytes()).as("framed at once, nothing queued").isZero();
        assertThat(s.trySendEncoded(0, out -> { })).as("an empty message").isTrue();
        assertThat(nextData()).isEqualTo("abc");
        assertThat(peer.expect(FrameType.DATA).payload()).isEmpty();
        assertThat(peer.connection.stats().messagesOut()).isEqualTo(2);
    }

    /**
     * More than one batch buffer of fast-path messages in one go: the batch's first hand-over to the
     * channel runs the requested write pass inside the write (EmbeddedChannel does that), which flushes
     * and drops the batch; framing goes on into a new one instead of failing on the dropped one.
     */
    @Test
    void fastPathMessagesBeyondOneBatchBufferGoOutWhenAPassRunsInsideTheWrite() {
        MuxStream s = open(1 << 20);
        peer.channel.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(512 * 1024, 1024 * 1024));
        int messages = 1000; // 1000 x 96 bytes (the peer's limit is 100): more than the 64 KiB batch buffer
        for (int i = 0; i < messages; i++) {
            String t = String.format("%04d", i).repeat(24);
            assertThat(s.trySendEncoded(96, text(t))).as("message %d", i).isTrue();
        }
        for (int i = 0; i < messages; i++) {
            assertThat(nextData()).isEqualTo(String.format("%04d", i).repeat(24));
        }
        assertThat(peer.connection.stats().messagesOut()).isEqualTo(messages);
    }

    @Test
    void queuedEncodedMessagesKeepTheirOrderWithCopiedAndOwnedOnes() {
        MuxStream s = open(2 * 4); // the window carries two 3-byte messages; the rest queue
        ByteBuf reused = Unpooled.buffer(3);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String t = "m" + i + (i % 2 == 0 ? "e" : "c");
            expected.add(t);
            if (i % 2 == 0) {
                assertThat(s.trySendEncoded(3, text(t))).isTrue();
            } else {
                reused.clear().writeCharSequence(t, StandardCharsets.US_ASCII);
                assertThat(s.trySendCopy(reused)).isTrue();
            }
        }
        assertThat(s.queuedBytes()).as("four messages queued behind the window").isEqualTo(12);
        peer.windowUpdate(1, 1 << 20);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sent.add(nextData());
        }
        assertThat(sent).containsExactlyElementsOf(expected);
        assertThat(s.queuedBytes()).isZero();
        reused.release();
    }

    @Test
    void aMessageAboveTheCopyThresholdIsEncodedIntoABufferOfItsOwn() {
        peer = new ScriptedPeer(MuxConfig.builder().build(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings();
        peer.expect(FrameType.PING);
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        accept(1, 1 << 20);
        byte[] big = new byte[5000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        assertThat(s.trySendEncoded(MuxStream.COPY_THRESHOLD + 5000, out -> out.writeBytes(big))).isTrue();
        assertThat(peer.expect(FrameType.DATA).payload()).isEqualTo(big);
    }

    @Test
    void badArgumentsFailTheCallWithoutCallingTheEncoder() {
        MuxStream s = open(1 << 20);
        int[] calls = {0};
        MessageEncoder counting = out -> calls[0]++;
        assertThatThrownBy(() -> s.trySendEncoded(3, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.trySendEncoded(-1, counting)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.trySendEncoded(101, counting)).as("above the peer's limit of 100")
                .isInstanceOf(MessageTooLargeException.class);
        s.close();
        assertThatThrownBy(() -> s.trySendEncoded(3, counting)).isInstanceOf(ClosedException.class);
        assertThat(calls[0]).isZero();
        peer.expect(FrameType.DATA); // the FIN, and no message before it
        peer.expectNothing();
    }

    @Test
    void anEncoderThatThrowsOrOverrunsSendsNothingAndTheStreamGoesOn() {
        MuxStream s = open(1 << 20);
        assertThatThrownBy(() -> s.trySendEncoded(3, out -> {
            out.writeByte(1);
            throw new IllegalStateException("serializer failed");
        })).hasMessage("serializer failed");
        assertThatThrownBy(() -> s.trySendEncoded(3, text("four"))).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(s.trySendEncoded(3, text("one"))).isTrue();
        assertThat(nextData()).isEqualTo("one");
        peer.expectNothing();
    }

    @Test
    void onTheQueuePathAThrowingEncoderLeavesTheQueueAsItWas() {
        MuxStream s = open(4); // one 3-byte message of window
        assertThat(s.trySendEncoded(3, text("one"))).isTrue();
        assertThat(s.trySendEncoded(3, text("two"))).isTrue();
        assertThat(s.queuedBytes()).isEqualTo(3);
        assertThatThrownBy(() -> s.trySendEncoded(3, out -> {
            out.writeShort(7);
            throw new IllegalStateException("serializer failed");
        })).hasMessage("serializer failed");
        assertThatThrownBy(() -> s.trySendEncoded(3, text("four"))).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(s.queuedBytes()).isEqualTo(3);
        assertThat(s.trySendEncoded(3, text("six"))).isTrue();
        peer.windowUpdate(1, 1 << 20);
        assertThat(List.of(nextData(), nextData(), nextData())).containsExactly("one", "two", "six");
        peer.expectNothing();
    }

    @Test
    void theLentBufferCannotBeRetainedReleasedOrUsedAfterTheCall() {
        MuxStream s = open(1 << 20);
        assertThatThrownBy(() -> s.trySendEncoded(3, ByteBuf::release)).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(() -> s.trySendEncoded(3, ByteBuf::retain)).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(() -> s.trySendEncoded(3, out -> out.retainedSlice())).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(() -> s.trySendEncoded(3, ByteBuf::memoryAddress)).isInstanceOf(UnsupportedOperationException.class);
        ByteBuf[] kept = new ByteBuf[1];
        assertThat(s.trySendEncoded(3, out -> {
            kept[0] = out;
            out.writeCharSequence("abc", StandardCharsets.US_ASCII);
        })).isTrue();
        assertThat(kept[0].refCnt()).isZero();
        assertThatThrownBy(() -> kept[0].writeByte(1)).isInstanceOf(IllegalReferenceCountException.class);
        assertThat(nextData()).isEqualTo("abc");
        peer.expectNothing();
    }

    @Test
    void insideAnEncoderSendsFailAndOtherCallsRunAfterIt() {
        MuxStream s = open(1 << 20);
        MuxStream other = peer.connection.openStream("m", 100, 1, app);
        peer.expect(FrameType.OPEN);
        accept(3, 100);
        ByteBuf owned = Unpooled.wrappedBuffer(new byte[] {1});
        List<Throwable> inside = new ArrayList<>();
        assertThat(s.trySendEncoded(10, out -> {
            out.writeCharSequence("first", StandardCharsets.US_ASCII);
            try {
                other.trySend(owned);
            } catch (IllegalStateException e) {
                inside.add(e);
            }
            try {
                s.trySendEncoded(3, text("nested"));
            } catch (IllegalStateException e) {
                inside.add(e);
            }
            other.reset(ErrorCode.CANCEL); // runs once the encoder is done
        })).isTrue();
        assertThat(inside).hasSize(2);
        assertThat(owned.refCnt()).as("a send that throws has taken its message").isZero();
        peer.channel.runPendingTasks();
        assertThat(nextData()).isEqualTo("first");
        assertThat(peer.expect(FrameType.RESET).streamId()).isEqualTo(3);
        assertThat(s.trySendEncoded(3, text("two"))).isTrue();
        assertThat(nextData()).isEqualTo("two");
    }

    @Test
    void aFullStreamRefusesWithoutCallingTheEncoderAndReportsWritableLater() {
        peer = new ScriptedPeer(MuxConfig.builder().streamSendBuffer(8).build(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(16384, 4, 1 << 24, 10, 1 << 24));
        peer.expect(FrameType.PING);
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        accept(1, 100);
        assertThat(s.trySendEncoded(3, text("one"))).isTrue();
        assertThat(s.trySendEncoded(8, text("12345678"))).isTrue();
        int[] calls = {0};
        assertThat(s.trySendEncoded(3, out -> calls[0]++)).as("8 queued of 8").isFalse();
        assertThat(calls[0]).isZero();
        peer.windowUpdate(1, 1 << 20);
        assertThat(List.of(nextData(), nextData())).containsExactly("one", "12345678");
        assertThat(app.writable).containsExactly(s);
    }
}
