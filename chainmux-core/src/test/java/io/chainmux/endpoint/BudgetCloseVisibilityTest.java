package io.chainmux.endpoint;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.mux.Budget;
import io.chainmux.mux.MuxStats;
import io.chainmux.testing.RawPeer;
import io.chainmux.testing.RawPeer.Frame;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection closed for breaking a mux budget is counted after it is gone (endpoint-wide totals,
 * counted at the event) and logged at WARN naming the peer and the budget.
 */
class BudgetCloseVisibilityTest {

    @Test
    void aBudgetCloseIsCountedAfterTheConnectionIsGoneAndLoggedAtWarn() throws Exception {
        Logger endpointLog = (Logger) LoggerFactory.getLogger(Endpoint.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Level level = endpointLog.getLevel();
        endpointLog.setLevel(Level.WARN);
        endpointLog.setAdditive(false); // captured here, not printed
        endpointLog.addAppender(logs);
        NodeIdentity stranger = NodeIdentity.generate();
        try (TestNode node = new TestNode()) {
            InetSocketAddress a = node.endpoint.localAddress();
            try (RawPeer raw = RawPeer.connect(new InetSocketAddress("127.0.0.1", a.getPort()), 10_000)) {
                raw.readPreamble();
                Hello theirs = raw.readHello();
                Hello mine = Hello.create(stranger, 0, 1, "");
                raw.sendPreamble();
                raw.sendHello(mine);
                raw.readUntil(Frame.AUTH);
                raw.sendAuth(stranger, Role.DIALER, mine, theirs);
                raw.send(b -> FrameWriter.writeSettings(b, Settings.defaults()));
                int pings = node.endpoint.config().mux().pings().count() + 1;
                for (int i = 0; i < pings; i++) {
                    raw.send(b -> FrameWriter.writePing(b, false, 7));
                }
                Frame goAway = raw.readUntil(Frame.GO_AWAY);
                assertThat(goAway).isNotNull();
                assertThat(goAway.goAwayCode()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
                assertThat(raw.closedByPeer()).isTrue();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((!node.endpoint.muxTotals().liveConnections().isEmpty() || warnings(logs) == 0)
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(node.endpoint.muxTotals().liveConnections()).as("the connection is gone").isEmpty();
            assertThat(node.endpoint.muxTotals().sum(s -> s.budgetExceeded(Budget.PINGS))).isEqualTo(1);
            assertThat(node.endpoint.muxTotals().sum(MuxStats::budgetExceeded)).isEqualTo(1);
            assertThat(warnings(logs)).isEqualTo(1);
            ILoggingEvent warn = logs.list.stream().filter(BudgetCloseVisibilityTest::isBudgetWarning).findFirst()
                    .orElseThrow();
            assertThat(warn.getFormattedMessage()).contains(stranger.peerId().shortForm()).contains("pings");
        } finally {
            endpointLog.detachAppender(logs);
            endpointLog.setAdditive(true);
            endpointLog.setLevel(level);
        }
    }

    private static boolean isBudgetWarning(ILoggingEvent e) {
        return e.getLevel() == Level.WARN && e.getFormattedMessage().contains("broke the mux budget");
    }

    private static long warnings(ListAppender<ILoggingEvent> logs) {
        synchronized (logs) {
            return List.copyOf(logs.list).stream().filter(BudgetCloseVisibilityTest::isBudgetWarning).count();
        }
    }
}
