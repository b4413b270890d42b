package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MuxStream#sendFrom}: messages pulled from a {@link MessageSource}, on an {@link io.netty.channel.embedded.EmbeddedChannel}. */
class MessageSourceTest {
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void close() {
        if (peer != null) {
            peer.close();
        }
    }

    /** A source of the texts queued in it; NONE while empty. */
    private static final class Texts implements MessageSource {
        final ArrayDeque<String> queued = new ArrayDeque<>();
        int pulls;
        Consumer<ByteBuf> extra = out -> { };

        Texts add(String... texts) {
            queued.addAll(List.of(texts));
            return this;
        }

        @Override
        public int nextMaxLength() {
            pulls++;
            return queued.isEmpty() ? NONE : queued.peekFirst().length();
        }

        @Override
        public void encode(ByteBuf out) {
            extra.accept(out);
            out.writeCharSequence(queued.pollFirst(), StandardCharsets.US_ASCII);
        }
    }

    /** Endless numbered messages of {@code length} bytes: "n0000...". */
    private static final class Endless implements MessageSource {
        final int length;
        int next;

        Endless(int length) {
            this.length = length;
        }

        @Override
        public int nextMaxLength() {
            return length;
        }

        @Override
        public void encode(ByteBuf out) {
            // in bulk: byte-wise writes cost a stack trace each under the paranoid leak detector
            out.writeBytes(String.format("%0" + length + "d", next++).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * A connection whose peer announced {@code window} for new streams and a 16 KiB frame, with
     * {@code streams} open streams (ids 1, 3, ...) that accept messages of up to {@code maxMessage}.
     */
    private List<MuxStream> open(int window, int streams, int maxMessage) {
        peer = new ScriptedPeer(MuxConfig.builder().build(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(16384, window, 1 << 24, 10, 1 << 24));
        peer.expect(FrameType.PING);
        List<MuxStream> opened = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            MuxStream s = peer.connection.openStream("n" + i, maxMessage, 1, app);
            peer.expect(FrameType.OPEN);
            int id = 2 * i + 1;
            peer.send(b -> FrameWriter.writeAccept(b, id, maxMessage));
            opened.add(s);
        }
        return opened;
    }

    private String nextData(int streamId) {
        return new String(peer.expect(FrameType.DATA, streamId).payload(), StandardCharsets.US_ASCII);
    }

    @Test
    void pulledMessagesGoOutWholeAndInOrderAfterTheMessagesQueuedBefore() {
        MuxStream s = open(2 * 4, 1, 100).get(0); // the window carries two 3-byte messages
        ByteBuf reused = Unpooled.buffer(3);
        for (String t : List.of("q0a", "q1a", "q2a")) {
            assertThat(s.trySendCopy(reused.clear().writeBytes(t.getBytes(StandardCharsets.US_ASCII)))).isTrue();
        }
        reused.release();
        Texts source = new Texts().add("s0", "s1", "s2");
        s.sendFrom(source);
        assertThat(nextData(1)).isEqualTo("q0a");
        assertThat(nextData(1)).isEqualTo("q1a");
        peer.expectNothing();
        peer.windowUpdate(1, 1 << 20);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sent.add(nextData(1));
        }
        assertThat(sent).containsExactly("q2a", "s0", "s1", "s2");
        assertThat(source.queued).isEmpty();
        assertThat(peer.connection.stats().messagesOut()).isEqualTo(6);
        assertThat(s.queuedBytes()).isZero();
    }

    @Test
    void aSourceIsPulledWithinTheWindowAndGoesOnWithCredit() {
        MuxStream s = open(3 * 5, 1, 100).get(0); // three 4-byte messages (each charges 5)
        s.sendFrom(new Endless(4));
        assertThat(List.of(nextData(1), nextData(1), nextData(1))).containsExactly("0000", "0001", "0002");
        peer.expectNothing();
        peer.windowUpdate(1, 2 * 5);
        assertThat(List.of(nextData(1), nextData(1))).containsExactly("0003", "0004");
        peer.expectNothing();
        assertThat(s.isSendBlocked()).as("waiting for credit, reported as send-blocked").isTrue();
    }

    @Test
    void aSourceWithNothingNowIsPulledAgainAfterSourceReady() {
        MuxStream s = open(1 << 20, 1, 100).get(0);
        Texts source = new Texts();
        s.sendFrom(source);
        peer.expectNothing();
        source.add("late");
        peer.expectNothing(); // nobody said so: the stream is not pulled on its own
        s.sourceReady();
        assertThat(nextData(1)).isEqualTo("late");
        source.add("again", "more");
        s.sourceReady();
        assertThat(List.of(nextData(1), nextData(1))).containsExactly("again", "more");
    }

    @Test
    void aMessageLargerThanANewStreamsWindowIsQueuedAndFramedToTheWindow() {
        MuxStream s = open(100, 1, 1000).get(0);
        String big = "x".repeat(120) + "y".repeat(130);
        Texts source = new Texts().add(big, "after");
        s.sendFrom(source);
        var first = peer.expect(FrameType.DATA, 1);
        assertThat(first.payload()).hasSize(100); // what the window allows, without the message's end
        assertThat(first.endMessage()).isFalse();
        peer.expectNothing();
        peer.windowUpdate(1, 1 << 20);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.writeBytes(first.payload());
        var rest = peer.expect(FrameType.DATA, 1);
        whole.writeBytes(rest.payload());
        assertThat(rest.endMessage()).isTrue();
        assertThat(whole.toString(StandardCharsets.US_ASCII)).isEqualTo(big);
        assertThat(nextData(1)).isEqualTo("after");
    }

    /**
     * Large pulled messages wait in the queue like offered ones and count in the send buffers, but
     * never take them past the connection's limit: with every stream window shut, the first stream's
     * message is queued (40,000 of 65,536 bytes) and the others' wait in their sources; once credit
     * comes and the queue drains, each is pulled in turn and every message goes out whole.
     */
    @Test
    void largePulledMessagesCountInTheSendBuffersAndGoOutWithCredit() {
        peer = new ScriptedPeer(MuxConfig.builder().streamSendBuffer(64 * 1024).connectionSendBuffer(64 * 1024).build(),
                true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(16384, 0, 1 << 24, 10, 1 << 24)); // no stream may send a byte yet
        peer.expect(FrameType.PING);
        List<Texts> sources = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MuxStream s = peer.connection.openStream("n" + i, 1 << 20, 1, app);
            peer.expect(FrameType.OPEN);
            int id = 2 * i + 1;
            peer.send(b -> FrameWriter.writeAccept(b, id, 1 << 20));
            String letter = String.valueOf((char) ('a' + i));
            Texts source = new Texts().add(letter.repeat(40_000), letter.repeat(40_000));
            s.sendFrom(source);
            sources.add(source);
        }
        peer.expectNothing();
        assertThat(peer.connection.queuedBytes()).as("one 40,000-byte message: a second would cross the limit")
                .isEqualTo(40_000);
        assertThat(sources.get(0).queued).hasSize(1);
        assertThat(sources.get(1).queued).hasSize(2);
        assertThat(sources.get(2).queued).hasSize(2);
        for (int i = 0; i < 3; i++) {
            peer.windowUpdate(2 * i + 1, 1 << 20);
        }
        List<String> received = new ArrayList<>();
        StringBuilder[] partial = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        for (var f : peer.drain()) {
            if (f.type() == FrameType.DATA) {
                StringBuilder p = partial[f.streamId() / 2];
                p.append(new String(f.payload(), StandardCharsets.US_ASCII));
                if (f.endMessage()) {
                    received.add(p.charAt(0) + "" + p.length() + (p.chars().allMatch(c -> c == p.charAt(0)) ? "" : "!"));
                    p.setLength(0);
                }
            }
        }
        assertThat(received).containsExactlyInAnyOrder("a40000", "a40000", "b40000", "b40000", "c40000", "c40000");
        assertThat(peer.connection.queuedBytes()).isZero();
    }

    @Test
    void twoSourcesTakeTurnsOnOneConnection() {
        List<MuxStream> streams = open(40_000, 2, 2000); // 39 messages of 1000 bytes each
        streams.get(0).sendFrom(new Endless(1000));
        streams.get(1).sendFrom(new Endless(1000));
        List<Integer> order = new ArrayList<>();
        for (var f : peer.drain()) {
            if (f.type() == FrameType.DATA) {
                order.add(f.streamId());
            }
        }
        long first = order.stream().filter(id -> id == 1).count();
        long second = order.stream().filter(id -> id == 3).count();
        assertThat(first).as("every message the window allowed").isEqualTo(39);
        assertThat(second).isEqualTo(39);
        // Turns of 16 KiB each (the scheduler's quantum): 16 or 17 messages of 1000 bytes per turn.
        assertThat(order.subList(0, 16)).as("one stream's turn").containsOnly(order.get(0));
        assertThat(order.subList(17, 33)).as("then the other's").doesNotContain(order.get(0));
    }

    @Test
    void aSourceThatThrowsResetsOnlyItsStream() {
        List<MuxStream> streams = open(1 << 20, 2, 100);
        Texts failing = new Texts().add("ok", "boom");
        failing.extra = out -> {
            if (failing.queued.peekFirst().equals("boom")) {
                throw new IllegalStateException("encoder failed");
            }
        };
        streams.get(0).sendFrom(failing);
        streams.get(1).sendFrom(new Texts().add("fine"));
        List<String> seen = new ArrayList<>();
        for (var f : peer.drain()) {
            seen.add(f.type() + ":" + f.streamId() + (f.type() == FrameType.RESET ? ":" + f.code() : ""));
        }
        assertThat(seen).containsSubsequence("DATA:1", "RESET:1:INTERNAL_ERROR");
        assertThat(seen).contains("DATA:3");
        assertThat(streams.get(0).closeReason()).isNotNull();
        assertThat(streams.get(1).closeReason()).isNull();
        assertThat(app.closes).singleElement().satisfies(r -> assertThat(r.message()).contains("message source", "encoder failed"));
    }

    @Test
    void aSourceAnnouncingMoreThanThePeerAcceptsResetsItsStreamWithMessageTooLarge() {
        MuxStream s = open(1 << 20, 1, 100).get(0);
        s.sendFrom(new Endless(101));
        var reset = peer.expect(FrameType.RESET, 1);
        assertThat(reset.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(app.closes).singleElement().satisfies(r -> assertThat(r.message()).contains("101 bytes", "limit is 100"));
    }

    @Test
    void aNegativeLengthOtherThanNoneResetsTheStream() {
        MuxStream s = open(1 << 20, 1, 100).get(0);
        s.sendFrom(new MessageSource() {
            @Override
            public int nextMaxLength() {
                return -5;
            }

            @Override
            public void encode(ByteBuf out) {
                throw new AssertionError("never called");
            }
        });
        assertThat(peer.expect(FrameType.RESET, 1).code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(s.closeReason()).isNotNull();
        assertThat(app.closes).singleElement().satisfies(r -> assertThat(r.message()).contains("nextMaxLength() returned -5"));
    }

    @Test
    void closeStopsThePullsAndSendsFinAfterWhatIsQueued() {
        MuxStream s = open(2 * 5, 1, 100).get(0); // two 4-byte messages
        Endless source = new Endless(4);
        s.sendFrom(source);
        assertThat(List.of(nextData(1), nextData(1))).containsExactly("0000", "0001");
        s.close();
        peer.windowUpdate(1, 1 << 20);
        var fin = peer.expect(FrameType.DATA, 1);
        assertThat(fin.fin()).isTrue();
        assertThat(fin.payload()).isEmpty();
        peer.expectNothing();
        assertThat(source.next).as("no pull after close()").isEqualTo(2);
    }

    @Test
    void sendFromAStreamThatCannotSendThrows() {
        List<MuxStream> streams = open(1 << 20, 2, 100);
        streams.get(0).close();
        assertThatThrownBy(() -> streams.get(0).sendFrom(new Endless(4))).isInstanceOf(ClosedException.class)
                .hasMessageContaining("cannot send");
        peer.reset(3, ErrorCode.CANCEL);
        peer.drain();
        assertThatThrownBy(() -> streams.get(1).sendFrom(new Endless(4))).isInstanceOf(ClosedException.class);
    }

    @Test
    void aSendFromInsideASourceFailsAndResetsItsStream() {
        MuxStream s = open(1 << 20, 1, 100).get(0);
        Texts source = new Texts().add("x");
        source.extra = out -> s.trySendEncoded(1, o -> o.writeByte('y'));
        s.sendFrom(source);
        assertThat(peer.expect(FrameType.RESET, 1).code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(app.closes).singleElement().satisfies(r -> assertThat(r.message()).contains("from inside a MessageEncoder"));
    }

    @Test
    void nullDetachesTheSource() {
        MuxStream s = open(1 << 20, 1, 100).get(0);
        Texts source = new Texts();
        s.sendFrom(source);
        peer.drain();
        s.sendFrom(null);
        source.add("never");
        s.sourceReady();
        peer.expectNothing();
        assertThat(s.closeReason()).isNull();
    }
}
