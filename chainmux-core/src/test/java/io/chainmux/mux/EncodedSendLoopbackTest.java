package io.chainmux.mux;

import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MuxStream#trySendEncoded} over real loopback sockets at 1000 streams: messages encoded on
 * the event loop (framed at once or queued) and from another thread arrive whole and in order.
 */
class EncodedSendLoopbackTest {
    private static final long WAIT_SECONDS = 60;
    private static final int STREAMS = 1000;
    private static final int MESSAGES = 40;

    /** Message {@code seq} of stream {@code stream}: its length varies, up to above the copy threshold. */
    private static int length(int stream, int seq) {
        return (seq % 10 == 9) ? MuxStream.COPY_THRESHOLD + 100 + stream : 8 + (stream + seq) % 64;
    }

    @Test
    void messagesEncodedOnTheLoopAndFromAnotherThreadArriveWholeAndInOrderOnAThousandStreams() throws Exception {
        NumberedMessages numbered = new NumberedMessages(STREAMS, MESSAGES, EncodedSendLoopbackTest::length);
        NumberedReceiver checker = new NumberedReceiver(numbered, STREAMS);
        LoopEncodedSender onLoop = new LoopEncodedSender(STREAMS, MESSAGES, 2, numbered::length,
                numbered::write); // the even streams; the odd ones from this thread below
        MuxConfig config = MuxConfig.builder().maxInboundStreams(STREAMS).maxStreamsPerNetwork(STREAMS).build();
        try (LoopbackMux pair = LoopbackMux.start(config, checker, s -> { })) {
            for (int i = 0; i < STREAMS; i++) {
                onLoop.streams.add(pair.client.openStream("chain-" + i, 1 << 20, 1, onLoop));
            }
            EventLoop loop = pair.client.channel().eventLoop();
            loop.execute(onLoop::sendAll);
            // The odd streams from this thread, retrying (bounded) while refused.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            for (int i = 1; i < STREAMS; i += 2) {
                MuxStream s = onLoop.streams.get(i);
                int index = i;
                for (int seq = 0; seq < MESSAGES; seq++) {
                    int q = seq;
                    while (!s.trySendEncoded(length(index, seq), out -> numbered.write(out, index, q))) {
                        assertThat(System.nanoTime()).as("stream %d never took message %d", index, seq).isLessThan(deadline);
                        Thread.onSpinWait();
                    }
                }
            }
            assertThat(checker.done.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("every stream got its %d messages; failures %s", MESSAGES, checker.failures).isTrue();
            assertThat(checker.failures).isEmpty();
            assertThat(onLoop.errors).isEmpty();
        }
    }
}
