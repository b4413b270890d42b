package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The receive path of the stream contenders: length-prefix decoding, checks, counting, release. */
class MessageCounterTest {
    private static final int SIZE = 20;

    @Test
    void countsMessagesSplitAnywhereAcrossReads() {
        Meter meter = new Meter();
        EmbeddedChannel ch = receiver(meter, new SequenceChecker(2), false);
        ByteBuf wire = Unpooled.buffer();
        SendCursor cursor = new SendCursor(0, 2, SIZE);
        cursor.writeFramed(wire, 5 * cursor.framedLength()); // streams 0,1,0,1,0
        // Deliver in awkward pieces: 3 bytes, then 30, then the rest.
        ch.writeInbound(wire.readRetainedSlice(3));
        ch.writeInbound(wire.readRetainedSlice(30));
        ch.writeInbound(wire.readRetainedSlice(wire.readableBytes()));
        wire.release();
        assertThat(meter.messages()).isEqualTo(5);
        assertThat(meter.bytes()).isEqualTo(5L * SIZE);
        assertThat(meter.failure()).isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aGapFailsTheRun() {
        Meter meter = new Meter();
        EmbeddedChannel ch = receiver(meter, new SequenceChecker(1), true);
        ByteBuf wire = Unpooled.buffer();
        Payloads.writeFramed(wire, SIZE, 0, 0);
        Payloads.writeFramed(wire, SIZE, 2, 0); // #1 is missing
        ch.writeInbound(wire);
        assertThat(meter.failure()).isInstanceOf(SequenceException.class)
                .hasMessageContaining("expected message #1, got #2");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aMessageOfAnotherStreamOnAStreamChannelFailsTheRun() {
        Meter meter = new Meter();
        EmbeddedChannel ch = receiver(meter, new SequenceChecker(2), true);
        ByteBuf wire = Unpooled.buffer();
        Payloads.writeFramed(wire, SIZE, 0, 0);
        Payloads.writeFramed(wire, SIZE, 0, 1);
        ch.writeInbound(wire);
        assertThat(meter.failure()).hasMessageContaining("message of stream 1 arrived on the channel of stream 0");
        ch.finishAndReleaseAll();
    }

    @Test
    void aClosedChannelFailsTheRunUnlessClosing() {
        Meter meter = new Meter();
        receiver(meter, new SequenceChecker(1), true).close();
        assertThat(meter.failure()).hasMessageContaining("closed before the run ended");

        Meter closing = new Meter();
        closing.closing();
        receiver(closing, new SequenceChecker(1), true).close();
        assertThat(closing.failure()).isNull();
    }

    private static EmbeddedChannel receiver(Meter meter, SequenceChecker checker, boolean singleStream) {
        return new EmbeddedChannel(Framing.decoder(), new MessageCounter(checker, SIZE, singleStream, meter));
    }
}
