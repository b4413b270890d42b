package io.chainmux.endpoint;

import io.chainmux.endpoint.EndpointTest.Collector;
import io.chainmux.mux.MuxStream;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.chainmux.testing.Utf8Messages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The native epoll library is optional (a runtime dependency a user may leave out): with it disabled the
 * endpoint runs on Java NIO. The examples module runs the endpoint without the native library at all.
 */
class TransportTest {
    @Test
    void endpointsOnNioCarryStreamsEvenWhereEpollIsAvailable() throws Exception {
        try (TestNode a = new TestNode(b -> b.transport(Transport.NIO));
             TestNode b = new TestNode(x -> x.transport(Transport.NIO))) {
            PeerConnection toA = b.endpoint.connect(a.address()).get(EndpointTest.WAIT, TimeUnit.SECONDS);
            assertThat(toA.stripedConnections().get(0).channel()).isInstanceOf(NioSocketChannel.class);
            Collector c = new Collector();
            MuxStream s = toA.openStream("chain-1/test/1", 1 << 20, 1, c);
            assertThat(s.trySend(text("over nio"))).isTrue();
            assertThat(c.next()).isEqualTo("over nio");
            // a echoed, so its side of the connection is up (the dialer's future completes before it may be)
            assertThat(a.accepted.get(0).connection().channel()).isInstanceOf(NioSocketChannel.class);
            s.close();
        }
    }

    @Test
    void autoPicksEpollOnlyWhereItLoadsAndNioOtherwise() {
        assertThat(Transport.parse("auto")).isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
        assertThat(Transport.best()).isEqualTo(Transport.parse("auto"));
        assertThat(Transport.parse("NIO")).isEqualTo(Transport.NIO);
        if (!Epoll.isAvailable()) {
            assertThatThrownBy(() -> Transport.parse("epoll")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("epoll is not available");
        }
        assertThatThrownBy(() -> Transport.parse("kqueue")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown transport");
    }
}
