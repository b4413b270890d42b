package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link LentMessageListener} on an {@link io.netty.channel.embedded.EmbeddedChannel}: messages lent
 * for the callback (whole, in order, fragments and backlog too), dead after it, never retained nor
 * released by the listener, and their credit returned without a {@code consumed} call.
 */
class LentMessageTest {
    private final Lender app = new Lender();
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    /** Accepts inbound streams with itself (unless told not to) and records what it was lent. */
    static final class Lender implements ConnectionListener, LentMessageListener {
        final List<String> messages = new ArrayList<>();
        /** The buffer of each call, kept only to check that it is dead afterwards. */
        final List<ByteBuf> buffers = new ArrayList<>();
        final List<MuxStream> opened = new ArrayList<>();
        final List<CloseReason> closes = new ArrayList<>();
        boolean acceptInbound = true;
        /** Runs inside each callback, after the message was recorded. */
        BiConsumer<MuxStream, ByteBuf> during = (s, m) -> { };

        @Override
        public void onStreamOpened(MuxStream stream) {
            opened.add(stream);
            if (acceptInbound) {
                stream.accept(this, 16 * 1024 * 1024);
            }
        }

        @Override
        public void onLentMessage(MuxStream stream, ByteBuf message) {
            buffers.add(message);
            messages.add(message.toString(message.readerIndex(), message.readableBytes(), StandardCharsets.UTF_8));
            during.accept(stream, message);
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closes.add(reason);
        }
    }

    private ScriptedPeer start(MuxConfig config) {
        peer = new ScriptedPeer(config, true, app);
        return peer.handshake();
    }

    private ScriptedPeer start() {
        return start(MuxConfig.defaults());
    }

    private static void assertDead(ByteBuf b) {
        assertThat(b.refCnt()).as("reference count after the call").isZero();
        assertThatThrownBy(() -> b.getByte(0)).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(() -> b.readByte()).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(() -> ByteBufUtil.getBytes(b)).isInstanceOf(IllegalReferenceCountException.class);
    }

    @Test
    void aMessageIsLentWholeForTheCallOnlyAndCannotBeKept() {
        start();
        List<Throwable> misuse = new ArrayList<>();
        app.during = (s, m) -> {
            assertThat(m.refCnt()).isEqualTo(1);
            assertThat(m.isReadOnly()).isTrue();
            assertThat(m.nioBuffer().isReadOnly()).as("a view of the message is read only too").isTrue();
            assertThat(m.readableBytes()).isEqualTo(m.capacity()).isEqualTo(m.maxCapacity()).isEqualTo(5);
            for (Runnable r : List.<Runnable>of(m::retain, m::release, () -> m.retainedSlice(), () -> m.readRetainedSlice(1),
                    () -> m.setByte(0, 1), () -> m.writeByte(1), () -> m.array(), () -> m.memoryAddress())) {
                try {
                    r.run();
                    misuse.add(new AssertionError("allowed"));
                } catch (RuntimeException e) {
                    misuse.add(e);
                }
            }
        };
        peer.open(2, "n");
        peer.message(2, "hello").message(2, "world");
        assertThat(app.messages).containsExactly("hello", "world");
        assertThat(misuse).hasSize(16).allSatisfy(e -> assertThat(e).isInstanceOfAny(
                IllegalReferenceCountException.class, ReadOnlyBufferException.class, IndexOutOfBoundsException.class,
                UnsupportedOperationException.class));
        assertThat(misuse.subList(0, 4)).as("retain, release, retained slices")
                .allSatisfy(e -> assertThat(e).isInstanceOf(IllegalReferenceCountException.class));
        assertThat(misuse.subList(4, 6)).as("a write into the message, by index and by the encoders' fast path")
                .allSatisfy(e -> assertThat(e).isInstanceOf(ReadOnlyBufferException.class));
        assertThat(app.buffers.get(1)).as("one buffer per connection: lending allocates nothing")
                .isSameAs(app.buffers.get(0));
        assertDead(app.buffers.get(0));
        assertThat(peer.connection.stats().messagesIn()).isEqualTo(2);
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void aCopyTakenDuringTheCallOutlivesIt() {
        start();
        List<ByteBuf> copies = new ArrayList<>();
        List<byte[]> arrays = new ArrayList<>();
        app.during = (s, m) -> {
            arrays.add(ByteBufUtil.getBytes(m));
            copies.add(m.alloc().buffer(m.readableBytes()).writeBytes(m));
        };
        peer.open(2, "n");
        peer.message(2, "kept");
        assertThat(new String(arrays.get(0), StandardCharsets.UTF_8)).isEqualTo("kept");
        assertThat(copies.get(0).toString(StandardCharsets.UTF_8)).isEqualTo("kept");
        assertThat(copies.get(0).release()).isTrue();
    }

    @Test
    void fragmentedMessagesAreLentAndReleasedAfterTheCall() {
        start();
        peer.open(2, "n");
        peer.data(2, 0, "hel".getBytes(StandardCharsets.UTF_8))
                .data(2, 0, "lo ".getBytes(StandardCharsets.UTF_8))
                .data(2, WireFormat.FLAG_END_MESSAGE, "world".getBytes(StandardCharsets.UTF_8))
                .message(2, "next");
        assertThat(app.messages).containsExactly("hello world", "next");
        assertDead(app.buffers.get(0));
        assertThat(peer.connection.receiveFlow.reassemblyBytes()).isZero();
        // the leak detector (paranoid in every test run) fails this class if the reassembly buffer leaked
    }

    @Test
    void messagesThatWaitedForTheAcceptAreLentInOrderAndReleased() {
        start();
        app.acceptInbound = false;
        peer.open(2, "n");
        peer.message(2, "early-1");
        peer.data(2, 0, "early-".getBytes(StandardCharsets.UTF_8)).data(2, WireFormat.FLAG_END_MESSAGE,
                "2".getBytes(StandardCharsets.UTF_8));
        assertThat(app.messages).isEmpty();
        MuxStream s = app.opened.get(0);
        s.accept(app, 1000);
        peer.channel.runPendingTasks();
        peer.message(2, "later");
        assertThat(app.messages).containsExactly("early-1", "early-2", "later");
        app.buffers.forEach(LentMessageTest::assertDead);
        assertThat(s.inbox.unconsumed()).as("every message counted as consumed").isZero();
    }

    /**
     * Credit goes back as each callback returns, in the usual quarter-window batches: the peer can send
     * six windows' worth without anybody calling {@code consumed}, and every byte it was charged comes
     * back but what is below the next batch.
     */
    @Test
    void creditReturnsWhenTheCallbackReturns() {
        int window = 256 * 1024;
        start(MuxConfig.builder().initialStreamWindow(window).autotuneWindows(false).build());
        peer.open(2, "n");
        peer.expect(FrameType.ACCEPT, 2);
        byte[] chunk = new byte[16_000];
        for (int i = 0; i < 4; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, chunk);
        }
        assertThat(peer.drain()).as("64,004 bytes: below a quarter of the window")
                .noneMatch(f -> f.type() == FrameType.WINDOW_UPDATE && f.streamId() == 2);
        peer.data(2, WireFormat.FLAG_END_MESSAGE, chunk);
        assertThat(peer.drain()).as("the fifth message crosses the quarter")
                .anySatisfy(f -> assertThat(f.streamId() == 2 && f.type() == FrameType.WINDOW_UPDATE
                        && f.value() == 5 * 16_001).isTrue());
        long returned = 5 * 16_001;
        int messages = 100; // 1.6 MB: six windows
        for (int i = 5; i < messages; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, chunk);
            for (Frame f : peer.drain()) {
                if (f.type() == FrameType.WINDOW_UPDATE && f.streamId() == 2) {
                    returned += f.value();
                }
            }
        }
        assertThat(peer.channel.isActive()).as("the peer never exceeded the window").isTrue();
        assertThat(app.messages).hasSize(messages);
        long charged = messages * 16_001L;
        assertThat(returned).isLessThanOrEqualTo(charged).isGreaterThan(charged - window / 4);
        MuxStream s = app.opened.get(0);
        assertThat(s.inbox.unconsumed()).isZero();
        assertThat(s.inbox.committed()).as("granted (the window and every update) less what was consumed")
                .isEqualTo(window + returned - charged);
        assertThat(peer.connection.stats().receiveCommitted()).isEqualTo(s.inbox.committed());
    }

    @Test
    void consumedOnALentStreamFailsAsOverConsumptionAndChangesNothing() {
        start(MuxConfig.builder().initialStreamWindow(256 * 1024).autotuneWindows(false).build());
        List<Throwable> failures = new ArrayList<>();
        app.during = (s, m) -> {
            try {
                s.consumed(m.readableBytes());
            } catch (IllegalArgumentException e) {
                failures.add(e);
            }
        };
        peer.open(2, "n");
        peer.expect(FrameType.ACCEPT, 2);
        peer.message(2, "x");
        MuxStream s = app.opened.get(0);
        assertThatThrownBy(() -> s.consumed(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LentMessageListener");
        assertThat(failures).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("LentMessageListener"));
        assertThat(s.state()).as("a failed call changes nothing").isEqualTo(StreamState.OPEN);
        assertThat(s.inbox.committed()).as("the message's charge settled once, when its callback returned")
                .isEqualTo(256 * 1024 - 2);
        peer.expectNothing();
    }

    @Test
    void aThrowingListenerResetsOnlyItsStreamAndItsCreditIsSettled() {
        start();
        app.during = (s, m) -> {
            if (s.id() == 2) {
                throw new IllegalStateException("listener failure (test)");
            }
        };
        peer.open(2, "a").open(4, "b");
        peer.drain();
        peer.message(2, "boom").message(4, "fine");
        Frame reset = peer.expect(FrameType.RESET, 2);
        assertThat(reset.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(app.opened.get(0).state()).isEqualTo(StreamState.CLOSED);
        assertThat(app.opened.get(1).state()).isEqualTo(StreamState.OPEN);
        assertThat(app.messages).containsExactly("boom", "fine");
        assertThat(app.closes).hasSize(1);
        assertDead(app.buffers.get(0));
        peer.message(4, "still");
        assertThat(app.messages).endsWith("still");
        assertThat(peer.channel.isActive()).isTrue();
        assertThat(app.opened.get(0).inbox.committed()).as("the reset stream's commitment settled").isZero();
        assertThat(peer.connection.stats().receiveCommitted()).as("only the live stream's commitment")
                .isEqualTo(app.opened.get(1).inbox.committed());
        ReceiveWindow w = peer.connection.receiveFlow.connectionWindow();
        assertThat(w.available() + w.pending()).as("connection credit available + owed").isEqualTo(w.size());
    }

    @Test
    void aListenerThatThrowsOnABacklogMessageResetsItsStreamAndTheRestIsReleased() {
        start();
        app.acceptInbound = false;
        app.during = (s, m) -> {
            throw new IllegalStateException("listener failure (test)");
        };
        peer.open(2, "n");
        peer.message(2, "one").message(2, "two").message(2, "three");
        app.opened.get(0).accept(app, 1000);
        peer.channel.runPendingTasks();
        assertThat(app.messages).containsExactly("one");
        assertThat(app.opened.get(0).state()).isEqualTo(StreamState.CLOSED);
        assertThat(peer.connection.stats().receiveCommitted()).isZero();
        // "two" and "three" went back to the pool with the stream: the leak detector checks it
    }

    /**
     * A callback that accepts another stream, whose waiting messages are then lent inside it: the
     * inner messages get a buffer of their own, and the outer message stays readable after them.
     */
    @Test
    void aMessageLentInsideAnotherCallbackLeavesTheOuterOneReadable() {
        start();
        app.acceptInbound = false;
        peer.open(2, "waiting");
        peer.message(2, "inner");
        peer.open(4, "n");
        List<String> outerAfter = new ArrayList<>();
        app.during = (s, m) -> {
            if (s.id() == 4) {
                app.opened.get(0).accept(app, 1000);
                outerAfter.add(m.toString(StandardCharsets.UTF_8));
            }
        };
        app.opened.get(1).accept(app, 1000);
        peer.channel.runPendingTasks();
        peer.message(4, "outer");
        assertThat(app.messages).containsExactly("outer", "inner");
        assertThat(outerAfter).containsExactly("outer");
        assertThat(app.buffers.get(1)).isNotSameAs(app.buffers.get(0));
        app.buffers.forEach(LentMessageTest::assertDead);
    }

    @Test
    void aStreamWeOpenWithALentListenerIsLentToo() {
        start();
        MuxStream s = peer.connection.openStream("n", 1000, 1, app);
        peer.expect(FrameType.OPEN, 1);
        peer.accept(1);
        peer.message(1, "reply");
        assertThat(app.messages).containsExactly("reply");
        assertThat(s.inbox.unconsumed()).isZero();
    }

    /** A wrapper that passes owned messages on (the unstriped endpoint's listener does) gets the lent contract. */
    @Test
    void aWrapperPassingOwnedMessagesOnHasThemLentReleasedAndConsumed() {
        peer = new ScriptedPeer(MuxConfig.builder().initialStreamWindow(256 * 1024).autotuneWindows(false).build(),
                true, new ConnectionListener() {
                    @Override
                    public void onStreamOpened(MuxStream stream) {
                        stream.accept(new StreamListener() {
                            @Override
                            public void onMessage(MuxStream st, ByteBuf message) {
                                app.onMessage(st, message);
                            }

                            @Override
                            public void onClosed(MuxStream st, CloseReason reason) {
                                app.onClosed(st, reason);
                            }
                        }, 1 << 20);
                    }
                });
        peer.handshake();
        peer.open(2, "n");
        peer.expect(FrameType.ACCEPT, 2);
        byte[] chunk = new byte[16_000];
        for (int i = 0; i < 5; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, chunk);
        }
        assertThat(app.messages).hasSize(5);
        assertThat(peer.drain()).as("credit back through consumed()")
                .anySatisfy(f -> assertThat(f.streamId() == 2 && f.type() == FrameType.WINDOW_UPDATE).isTrue());
    }
}
