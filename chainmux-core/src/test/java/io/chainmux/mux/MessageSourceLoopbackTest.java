package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MuxStream#sendFrom} over real loopback sockets at 1000 streams: messages pulled from
 * sources (small ones framed in the write pass, ones larger than a new stream's window queued and
 * framed to it) arrive whole and in order, and sources made ready from another thread in steps are
 * pulled again.
 */
class MessageSourceLoopbackTest {
    private static final long WAIT_SECONDS = 60;
    private static final int STREAMS = 1000;
    private static final int MESSAGES = 40;
    private static final int STEPS = 4;

    /** Message {@code seq} of stream {@code stream}: mostly small, some above the copy threshold, a few above a new stream's window. */
    private static int length(int stream, int seq) {
        if (seq % 20 == 19 && stream % 10 == 0) {
            return 40_000; // the default initial stream window is 32 KiB
        }
        return (seq % 10 == 9) ? MuxStream.COPY_THRESHOLD + 100 + stream : 8 + (stream + seq) % 64;
    }

    /** Stream {@code stream}'s numbered messages, as many as the test has released so far. */
    private static final class Numbered implements MessageSource {
        private final int stream;
        private final NumberedMessages numbered;
        /** Written by the test thread, read on the loop. */
        private volatile int released;
        private int next; // loop only

        Numbered(int stream, NumberedMessages numbered) {
            this.stream = stream;
            this.numbered = numbered;
        }

        @Override
        public int nextMaxLength() {
            return next < released ? numbered.length(stream, next) : NONE;
        }

        @Override
        public void encode(ByteBuf out) {
            numbered.write(out, stream, next++);
        }
    }

    @Test
    void pulledMessagesArriveWholeAndInOrderOnAThousandStreams() throws Exception {
        NumberedMessages numbered = new NumberedMessages(STREAMS, MESSAGES, MessageSourceLoopbackTest::length);
        NumberedReceiver checker = new NumberedReceiver(numbered, STREAMS);
        MuxConfig config = MuxConfig.builder().maxInboundStreams(STREAMS).maxStreamsPerNetwork(STREAMS).build();
        RecordingListener client = new RecordingListener();
        try (LoopbackMux pair = LoopbackMux.start(config, checker, s -> { })) {
            List<MuxStream> streams = new ArrayList<>();
            List<Numbered> sources = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                MuxStream s = pair.client.openStream("chain-" + i, 1 << 20, 1, client);
                Numbered source = new Numbered(i, numbered);
                s.sendFrom(source); // from this thread: handed to the loop
                streams.add(s);
                sources.add(source);
            }
            for (int step = 1; step <= STEPS; step++) {
                for (int i = 0; i < STREAMS; i++) {
                    sources.get(i).released = step * MESSAGES / STEPS;
                    streams.get(i).sourceReady();
                }
            }
            assertThat(checker.done.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("every stream got its %d messages; failures %s", MESSAGES, numbered.failures).isTrue();
            assertThat(checker.failures).isEmpty();
            assertThat(client.closes).as("no stream of the sender ended").isEmpty();
        }
    }
}
