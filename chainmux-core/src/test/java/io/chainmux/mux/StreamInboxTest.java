package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The start of a message in assembly, kept in ~1 ms ticks, reads back to the ticker within a tick. */
class StreamInboxTest {
    private static final long TICK = 1L << 20;

    @Test
    void theAssemblyStartReadsBackWithinATickWhereverTheTickerStands() {
        long[] starts = {0, 123_456_789L, -5_000_000_000L, Long.MAX_VALUE - TimeUnit.DAYS.toNanos(1), Long.MIN_VALUE + 7};
        long[] elapsed = {0, 1, TICK - 1, TICK, 999_999_999L, TimeUnit.MINUTES.toNanos(10), TimeUnit.DAYS.toNanos(40)};
        for (long start : starts) {
            for (long d : elapsed) {
                StreamInbox inbox = new StreamInbox();
                ByteBuf fragment = Unpooled.wrappedBuffer(new byte[16]);
                try {
                    inbox.append(fragment, 16, start, UnpooledByteBufAllocator.DEFAULT, 1024, 0);
                    long now = start + d; // wraps like the ticker for the largest starts
                    assertThat(now - inbox.assemblyStartNanos(now)).as("start %d, %d ns later", start, d)
                            .isCloseTo(d, within(TICK));
                } finally {
                    fragment.release();
                    inbox.releaseAll();
                }
            }
        }
    }
}
