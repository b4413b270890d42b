package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.broker.SessionContext;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Which exchanged addresses a node stores, by their scope and the sender's. */
class AddressScopeTest {
    static final PeerId SOMEONE = NodeIdentity.generate().peerId();

    static PeerAddress at(String host, int port) {
        return new PeerAddress(host, port, SOMEONE);
    }

    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // literals only: no lookup
    }

    @Test
    void classifiesAddresses() throws Exception {
        assertThat(AddressScope.of(ip("127.0.0.1"))).isEqualTo(AddressScope.LOOPBACK);
        assertThat(AddressScope.of(ip("::1"))).isEqualTo(AddressScope.LOOPBACK);
        assertThat(AddressScope.of(ip("169.254.1.1"))).isEqualTo(AddressScope.LINK_LOCAL);
        assertThat(AddressScope.of(ip("fe80::1"))).isEqualTo(AddressScope.LINK_LOCAL);
        assertThat(AddressScope.of(ip("10.1.2.3"))).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of(ip("192.168.0.9"))).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of(ip("172.16.5.5"))).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of(ip("100.64.0.1"))).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of(ip("fd00::7"))).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of(ip("203.0.113.7"))).isEqualTo(AddressScope.GLOBAL);
        assertThat(AddressScope.of(ip("2001:db8::1"))).isEqualTo(AddressScope.GLOBAL);
        assertThat(AddressScope.of(ip("100.128.0.1"))).isEqualTo(AddressScope.GLOBAL);
    }

    @Test
    void aPeerMayNameAddressesAsWideAsItsOwnOrWider() throws Exception {
        InetAddress remote = ip("203.0.113.7");
        InetAddress lan = ip("192.168.1.20");
        InetAddress local = ip("127.0.0.1");
        assertThat(AddressScope.rejects(at("198.51.100.1", 7000), remote)).isNull();
        assertThat(AddressScope.rejects(at("127.0.0.1", 7000), remote)).isEqualTo("a loopback address from a global peer");
        assertThat(AddressScope.rejects(at("10.0.0.1", 7000), remote)).isEqualTo("a private address from a global peer");
        assertThat(AddressScope.rejects(at("fe80::1", 7000), lan)).isEqualTo("a link-local address from a private peer");
        assertThat(AddressScope.rejects(at("10.0.0.1", 7000), lan)).isNull();
        assertThat(AddressScope.rejects(at("198.51.100.1", 7000), lan)).isNull();
        assertThat(AddressScope.rejects(at("127.0.0.1", 7000), local)).isNull();
        assertThat(AddressScope.rejects(at("127.0.0.1", 7000), null)).as("sender unknown").isNull();
        assertThat(AddressScope.rejects(at("node.example", 7000), remote)).as("a host name").isNull();
    }

    @Test
    void addressesNoPeerShouldSendAreRejectedFromAnyone() throws Exception {
        InetAddress local = ip("127.0.0.1");
        assertThat(AddressScope.rejects(at("127.0.0.1", 0), local)).isEqualTo("port 0");
        assertThat(AddressScope.rejects(at("0.0.0.0", 7000), local)).isEqualTo("not a unicast address");
        assertThat(AddressScope.rejects(at("::", 7000), local)).isEqualTo("not a unicast address");
        assertThat(AddressScope.rejects(at("224.0.0.1", 7000), local)).isEqualTo("not a unicast address");
        assertThat(AddressScope.rejects(at("ff02::1", 7000), local)).isEqualTo("not a unicast address");
        assertThat(AddressScope.rejects(at("255.255.255.255", 7000), local)).isEqualTo("not a unicast address");
    }

    /** The requester side of peer exchange against a scripted responder that answers one page. */
    @Test
    void peerExchangeStoresOnlyFittingAddresses() throws Exception {
        PeerId self = NodeIdentity.generate().peerId();
        PeerDb db = new PeerDb(self, Clock.systemUTC(), 5, Duration.ofHours(12));
        PeerAddress global = new PeerAddress("198.51.100.1", 7000, NodeIdentity.generate().peerId());
        PeerAddress loopback = new PeerAddress("127.0.0.1", 7000, NodeIdentity.generate().peerId());
        PeerAddress lan = new PeerAddress("10.0.0.1", 7000, NodeIdentity.generate().peerId());
        PeerAddress multicast = new PeerAddress("224.0.0.1", 7000, NodeIdentity.generate().peerId());
        PeerAddress named = new PeerAddress("node.example", 7000, NodeIdentity.generate().peerId());
        String page = String.join("\n", global.toString(), loopback.toString(), lan.toString(), multicast.toString(),
                named.toString());
        ScriptedResponder remote = new ScriptedResponder(new InetSocketAddress(ip("203.0.113.7"), 7000), page);
        PeerExchange exchange = new PeerExchange(db, PeerExchangeConfig.defaults(), () -> null, 1);
        SessionOutcome outcome = exchange.requester().run(remote).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(outcome.success()).as(outcome.reason()).isTrue();
        assertThat(remote.requests).hasSize(1);
        assertThat(db.contains(global.expectedPeer())).isTrue();
        assertThat(db.contains(named.expectedPeer())).isTrue();
        assertThat(db.contains(loopback.expectedPeer())).as("loopback from a global peer").isFalse();
        assertThat(db.contains(lan.expectedPeer())).as("private from a global peer").isFalse();
        assertThat(db.contains(multicast.expectedPeer())).isFalse();
    }

    /** Answers the first request with {@code page}, then ends (a short page ends the exchange). */
    static final class ScriptedResponder implements SessionContext {
        final InetSocketAddress remote;
        final String page;
        final List<String> requests = new ArrayList<>();
        final PeerId peer = NodeIdentity.generate().peerId();

        ScriptedResponder(InetSocketAddress remote, String page) {
            this.remote = remote;
            this.page = page;
        }

        @Override
        public PeerId peer() {
            return peer;
        }

        @Override
        public NetworkId network() {
            return PeerExchange.NETWORK;
        }

        @Override
        public CompletionStage<Void> send(ByteBuf message) {
            try {
                requests.add(message.toString(StandardCharsets.US_ASCII));
            } finally {
                message.release();
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<ByteBuf> receive() {
            return CompletableFuture.completedFuture(Unpooled.copiedBuffer(page, StandardCharsets.UTF_8));
        }

        @Override
        public Executor executor() {
            return Runnable::run;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }
    }
}
