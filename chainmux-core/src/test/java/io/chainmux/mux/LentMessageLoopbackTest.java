package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LentMessageListener} over real loopback sockets at 1000 streams: every message arrives whole
 * and in order, those reassembled from fragments and those that waited for a late accept included,
 * and no stream stalls though nobody calls {@code consumed}: each stream is sent more than twice its
 * receive window, so its credit must come back as the callbacks return.
 */
class LentMessageLoopbackTest {
    private static final long WAIT_SECONDS = 60;
    private static final int STREAMS = 1000;
    private static final int MESSAGES = 40;
    private static final int WINDOW = 32 * 1024;
    private static final int FRAME = 16 * 1024;

    /** Every tenth message is larger than a frame (reassembled); the rest are small. */
    private static int length(int stream, int seq) {
        return seq % 10 == 9 ? FRAME + 4000 + stream : 8 + (stream + seq) % 64;
    }

    /**
     * Lent every stream's messages. One stream in ten is accepted late: once every other stream has all
     * its messages, from inside that last callback, so the late streams' first window of messages has
     * waited in their backlogs and is lent inside another message's callback.
     */
    private static final class Checker implements ConnectionListener, LentMessageListener {
        private static final int LATE = STREAMS / 10;
        final List<String> failures;
        final CountDownLatch done = new CountDownLatch(STREAMS);
        final AtomicInteger lateAccepts = new AtomicInteger();
        final AtomicInteger backlogged = new AtomicInteger();
        private final List<MuxStream> late = new ArrayList<>();
        private final NumberedMessages numbered;
        private int completed;
        private boolean lateAccepted;

        Checker(NumberedMessages numbered) {
            this.numbered = numbered;
            this.failures = numbered.failures;
        }

        @Override
        public void onStreamOpened(MuxStream stream) {
            if ((stream.id() / 2) % 10 == 0 && !lateAccepted) { // ids 1, 21, 41, ...: one stream in ten
                late.add(stream);
            } else {
                stream.accept(this, 1 << 20);
            }
        }

        private void acceptLate() {
            lateAccepted = true;
            lateAccepts.set(late.size());
            for (MuxStream s : late) {
                if (s.inbox.hasBacklog()) {
                    backlogged.incrementAndGet();
                }
                s.accept(this, 1 << 20);
            }
        }

        @Override
        public void onLentMessage(MuxStream stream, ByteBuf message) {
            if (numbered.received(stream, message)) {
                done.countDown();
                if (++completed == STREAMS - LATE && !lateAccepted) {
                    acceptLate();
                }
            }
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            if (!reason.isNormal()) {
                failures.add("stream " + stream.networkId() + " closed: " + reason);
            }
        }
    }

    @Test
    void aThousandStreamsAreLentEveryMessageWholeAndInOrderWithoutConsumedCalls() throws Exception {
        NumberedMessages numbered = new NumberedMessages(STREAMS, MESSAGES, LentMessageLoopbackTest::length);
        Checker checker = new Checker(numbered);
        LoopEncodedSender sender = new LoopEncodedSender(STREAMS, MESSAGES, 1, numbered::length,
                numbered::write);
        MuxConfig config = MuxConfig.builder().maxInboundStreams(STREAMS).maxStreamsPerNetwork(STREAMS)
                .maxFrameSize(FRAME).initialStreamWindow(WINDOW).autotuneWindows(false).build();
        long perStream = 0;
        for (int seq = 0; seq < MESSAGES; seq++) {
            perStream += length(0, seq);
        }
        assertThat(perStream).as("each stream sends more than twice its window").isGreaterThan(2L * WINDOW);
        try (LoopbackMux pair = LoopbackMux.start(config, checker, s -> { })) {
            for (int i = 0; i < STREAMS; i++) {
                sender.streams.add(pair.client.openStream("chain-" + i, 1 << 20, 1, sender));
            }
            EventLoop loop = pair.client.channel().eventLoop();
            loop.execute(sender::sendAll);
            assertThat(checker.done.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("every stream got its %d messages; failures %s", MESSAGES, checker.failures).isTrue();
            assertThat(checker.failures).isEmpty();
            assertThat(sender.errors).isEmpty();
            assertThat(checker.lateAccepts.get()).as("streams accepted late").isEqualTo(STREAMS / 10);
            // their first messages went out in the sender's first passes, long before 900 streams finished
            assertThat(checker.backlogged.get()).as("late streams with messages waiting for the accept").isPositive();
            assertThat(pair.server.stats().messagesIn()).isEqualTo((long) STREAMS * MESSAGES);
        }
    }
}
