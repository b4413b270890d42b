package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

/** The session example of the package documentation (and the README), run between two nodes. */
class SessionExampleTest {
    static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, US_ASCII);
    }

    @Test
    void askHeightAgainstTellHeight() {
        AtomicLong learned = new AtomicLong(-1);
        Session askHeight = ctx -> ctx.request(ascii("height?")).thenApply(reply -> {
            try {
                learned.set(Long.parseLong(reply.toString(US_ASCII)));
                return SessionOutcome.ok();
            } catch (NumberFormatException e) {
                return SessionOutcome.misbehaved("height is not a number");
            } finally {
                reply.release();
            }
        });
        Session tellHeight = Session.replying(question -> ascii(Long.toString(42)));
        NetworkId height = NetworkId.of("0", "height", 1);
        NetworkConfig one = Cluster.CHAIN.toBuilder().targetDegree(1).build();
        try (Cluster c = new Cluster()) {
            P2pNode a = c.start(b -> b);
            P2pNode b = c.start(x -> x.bootstrap(List.of(a.address())));
            a.join(height, one, askHeight, tellHeight);
            P2pNetwork net = b.join(height, one, askHeight, tellHeight);
            Cluster.until("a session completed", () -> net.stats().sessionsOk() >= 2);
            assertThat(learned.get()).isEqualTo(42);
            assertThat(net.stats().sessionsFailed()).isZero();
            Cluster.until("a's responder saw b close", () -> a.network(height).stats().inboundOk() >= 1);
        }
    }
}
