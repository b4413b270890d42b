package io.chainmux.examples;

import io.chainmux.endpoint.Transport;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's code runs over loopback, with chainmux-core declared as a library user declares it: without
 * the native epoll library, so the endpoint falls back to Java NIO.
 */
class ExamplesTest {
    @Test
    void withoutTheNativeLibraryTheEndpointRunsOnNio() {
        assertThat(Epoll.isAvailable()).as("no native epoll on this module's classpath").isFalse();
        assertThat(Transport.best()).isEqualTo(Transport.NIO);
    }

    @Test
    void heightSessionsTellEachNodeThePeersHeight(@TempDir Path dir) throws Exception {
        assertThat(HeightSessions.onLoopback(dir)).containsExactly(200, 100);
    }

    @Test
    void directTransportSendsOnAStreamAndHearsTheEcho(@TempDir Path dir) throws Exception {
        assertThat(DirectTransport.onLoopback(dir, "hello over nio")).isEqualTo("hello over nio");
        assertThat(dir.resolve("node.key")).as("the identity the README's code created").isRegularFile();
    }
}
