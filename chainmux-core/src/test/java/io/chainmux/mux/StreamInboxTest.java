package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The receive side's ints that wrap around: the start of a message in assembly, kept in ~1 ms ticks,
 * reads back to the ticker within a tick; the consumption guard's totals stay exact past 2^32.
 */
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

    @Test
    void theConsumptionGuardStaysExactAcrossItsTotalsWrappingAround() {
        StreamInbox inbox = new StreamInbox(); // its guard: delivered, consumed on the loop and elsewhere
        long charge = (1L << 30) + 1; // a 1 GiB message, length + 1
        for (int i = 0; i < 12; i++) { // 12 GiB in all: each total wraps around several times
            inbox.delivered(charge);
            inbox.take(charge - 5, i % 2 == 0, null);
            inbox.take(5, i % 3 == 0, null);
        }
        inbox.delivered(charge);
        inbox.delivered(charge); // 2 GiB + 2 owed: above 2^31, still exact read as unsigned
        inbox.take(charge, false, null);
        assertThatThrownBy(() -> inbox.take(charge + 1, true, stream()))
                .as("one byte more than is owed").isInstanceOf(IllegalArgumentException.class);
        inbox.take(charge, true, null);
        assertThatThrownBy(() -> inbox.take(1, false, stream())).as("nothing owed").isInstanceOf(IllegalArgumentException.class);
    }

    private static MuxStream stream() {
        return new MuxStream(null, true, "net", 1);
    }
}
