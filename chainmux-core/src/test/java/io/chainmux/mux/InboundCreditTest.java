package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Credit bookkeeping: never returns more than arrived, and eventually exactly what arrived. */
class InboundCreditTest {

    @Test
    void fragmentsAreCreditedEarlyOnlyWhileTheApplicationKeepsUp() {
        InboundCredit c = new InboundCredit();
        assertThat(c.fragment(16_384)).isEqualTo(16_384);
        c.messageDelivered(); // message of 16,384 + 100 bytes, last frame charge 101
        assertThat(c.fragment(16_384)).as("app still holds a message: held back").isZero();
        assertThat(c.creditOnConsumed(16_485, 1)).as("paid back: 101 for the message + 16,384 deferred")
                .isEqualTo(101 + 16_384);
    }

    @Test
    void aLargestMessagesFragmentsFitTheirCounters() {
        // MAX_MESSAGE_SIZE may be 2^31 - 1: the frame handler passes fragments of a message that large,
        // early and held back, and this one went to the accept backlog first
        int half = Integer.MAX_VALUE / 2;
        InboundCredit c = new InboundCredit();
        assertThat(c.fragment(half)).isEqualTo(half);
        c.messageDelivered(); // a message of half + 1 bytes in the backlog, last frame charge 1
        assertThat(c.fragment(half)).as("held back: the backlog's message is unconsumed").isZero();
        assertThat(c.fragment(Integer.MAX_VALUE - 2 * half)).isZero();
        assertThat(c.creditOnConsumed(half + 1L, 1)).as("1 for the first message, then all the second's fragments")
                .isEqualTo(1L + Integer.MAX_VALUE - half);
        assertThat(c.fragment(1)).as("credited early again: nothing unconsumed").isEqualTo(1);
        c.messageDelivered(); // the second message: half + 2 bytes of fragments, last frame charge 1
        assertThat(c.creditOnConsumed(half + 3L, 1)).as("its fragments came back early: only the last frame's 1")
                .isEqualTo(1L);
    }

    @Test
    void randomTrafficReturnsExactlyWhatArrived() {
        for (int seed = 0; seed < 200; seed++) {
            Random r = new Random(seed);
            InboundCredit c = new InboundCredit();
            long received = 0;
            long returned = 0;
            boolean backlog = r.nextBoolean();
            ArrayDeque<Long> undelivered = new ArrayDeque<>(); // backlog message charges
            ArrayDeque<Long> unconsumed = new ArrayDeque<>();
            long messageSoFar = 0;
            for (int step = 0; step < 500; step++) {
                int op = r.nextInt(10);
                if (op < 5) {
                    int charge = 1 + r.nextInt(16_384);
                    received += charge;
                    returned += c.fragment(charge);
                    messageSoFar += charge;
                } else if (op < 7) {
                    long last = 1 + r.nextInt(100);
                    received += last;
                    c.messageDelivered();
                    (backlog ? undelivered : unconsumed).add(messageSoFar + last);
                    messageSoFar = 0;
                } else if (op == 7 && backlog) {
                    backlog = false; // accepted: nothing could be consumed before
                    unconsumed.addAll(undelivered);
                    undelivered.clear();
                } else if (!unconsumed.isEmpty()) {
                    returned += c.creditOnConsumed(unconsumed.poll(), 1);
                }
                assertThat(returned).as("seed %d step %d", seed, step).isLessThanOrEqualTo(received);
            }
            if (backlog) {
                unconsumed.addAll(undelivered);
            }
            while (!unconsumed.isEmpty()) { // once the application caught up, held-back fragments come back too
                returned += c.creditOnConsumed(unconsumed.poll(), 1);
            }
            assertThat(returned).as("seed %d: all credit back", seed).isEqualTo(received);
        }
    }

    @Test
    void settlesNoMoreThanWasGrantedAndTheRestOnceAtTheEnd() {
        InboundCredit c = new InboundCredit();
        c.granted(32_768);
        assertThat(c.settle(1_001)).isEqualTo(1_001);
        assertThat(c.settle(100_000)).as("an application reporting too much settles only what is committed")
                .isEqualTo(31_767);
        c.granted(8_192);
        assertThat(c.settleAll()).isEqualTo(8_192);
        assertThat(c.settleAll()).as("once").isZero();
        assertThat(c.committed()).isZero();
    }
}
