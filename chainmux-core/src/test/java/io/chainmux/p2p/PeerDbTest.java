package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerDbTest {
    static final NetworkId NET = NetworkId.of("3", "sync", 1);

    /** A clock tests move by hand. */
    static final class ManualClock extends Clock {
        long millis = 1_767_225_600_000L;

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    static PeerAddress peer(int port) {
        return new PeerAddress("127.0.0.1", port, NodeIdentity.generate().peerId());
    }

    final ManualClock clock = new ManualClock();
    final PeerId self = NodeIdentity.generate().peerId();
    final PeerDb db = new PeerDb(self, clock, 5, Duration.ofHours(12));

    @Test
    void aLostConnectionLowersTheScoreOncePerIncidentWithoutABackoff() {
        PeerAddress a = peer(7000);
        db.add(a, false);
        clock.millis += 10_000;
        for (int network = 0; network < 1000; network++) { // one cut, a session lost on each network
            db.connectionLost(a.expectedPeer());
        }
        PeerInfo p = db.get(a.expectedPeer()).orElseThrow();
        assertThat(p.successiveFailures()).as("no backoff").isZero();
        assertThat(p.score()).isEqualTo(PeerDb.INITIAL_SCORE / 2);
        assertThat(p.lastFailure()).isEqualTo(clock.millis);
        clock.millis += PeerDb.FAILURE_WINDOW_MILLIS;
        db.connectionLost(a.expectedPeer());
        assertThat(db.get(a.expectedPeer()).orElseThrow().score()).as("a new incident")
                .isEqualTo(PeerDb.INITIAL_SCORE / 4);
        db.dialFailed(a.expectedPeer(), new java.io.IOException("refused"));
        assertThat(db.get(a.expectedPeer()).orElseThrow().successiveFailures()).as("the redial's failure counts")
                .isEqualTo(1);
    }

    @Test
    void failuresOfOneIncidentOnManyNetworksCountOnce() {
        PeerAddress a = peer(7000);
        db.add(a, false);
        for (int network = 0; network < 1000; network++) { // one lost connection, a session failed on each network
            db.sessionFailed(a.expectedPeer(), false);
        }
        PeerInfo p = db.get(a.expectedPeer()).orElseThrow();
        assertThat(p.successiveFailures()).isEqualTo(1);
        assertThat(p.score()).isEqualTo(PeerDb.INITIAL_SCORE / 2);
        clock.millis += PeerDb.FAILURE_WINDOW_MILLIS - 1;
        db.sessionFailed(a.expectedPeer(), false);
        assertThat(db.get(a.expectedPeer()).orElseThrow().successiveFailures()).as("still the same incident").isEqualTo(1);
        clock.millis += 1;
        db.sessionFailed(a.expectedPeer(), false);
        assertThat(db.get(a.expectedPeer()).orElseThrow().successiveFailures()).as("a new incident").isEqualTo(2);
        db.sessionFailed(a.expectedPeer(), true);
        assertThat(db.get(a.expectedPeer()).orElseThrow().successiveFailures()).as("misbehaviour always counts")
                .isEqualTo(3);
    }

    @Test
    void addsPeersButNeverItself() {
        PeerAddress a = peer(7000);
        assertThat(db.add(a, false)).isTrue();
        assertThat(db.add(a, false)).isFalse();
        assertThat(db.add(new PeerAddress("127.0.0.1", 1, self), true)).isFalse();
        assertThat(db.size()).isEqualTo(1);
        assertThatThrownBy(() -> db.add(PeerAddress.parse("127.0.0.1:7"), false))
                .hasMessageContaining("has no peer id");
    }

    @Test
    void scoresFollowOutcomes() {
        PeerAddress a = peer(7000);
        db.add(a, false);
        db.success(a.expectedPeer(), NET);
        PeerInfo p = db.get(a.expectedPeer()).orElseThrow();
        assertThat(p.score()).isEqualTo(PeerDb.INITIAL_SCORE + PeerDb.SUCCESS_BONUS);
        assertThat(p.networks()).containsExactly(NET);
        assertThat(p.lastSuccess()).isEqualTo(clock.millis);
        db.failure(a.expectedPeer(), false);
        clock.millis += PeerDb.FAILURE_WINDOW_MILLIS;
        db.failure(a.expectedPeer(), false);
        p = db.get(a.expectedPeer()).orElseThrow();
        assertThat(p.successiveFailures()).isEqualTo(2);
        assertThat(p.score()).isEqualTo((PeerDb.INITIAL_SCORE + PeerDb.SUCCESS_BONUS) / 4);
        db.failure(a.expectedPeer(), true);
        assertThat(db.get(a.expectedPeer()).orElseThrow().score()).isEqualTo(PeerDb.MIN_SCORE);
        db.success(a.expectedPeer(), NET);
        assertThat(db.get(a.expectedPeer()).orElseThrow().successiveFailures()).isZero();
        db.doesNotServe(a.expectedPeer(), NET);
        assertThat(db.get(a.expectedPeer()).orElseThrow().mayServe(NET)).isFalse();
    }

    @Test
    void prunesOnlyFailingIdleUnstickyPeersWithoutRecentSuccess() {
        PeerAddress failing = peer(1);
        PeerAddress sticky = peer(2);
        PeerAddress active = peer(3);
        PeerAddress recentSuccess = peer(4);
        PeerAddress fewFailures = peer(5);
        db.add(failing, false);
        db.add(sticky, true);
        db.add(active, false);
        db.add(recentSuccess, false);
        db.add(fewFailures, false);
        db.success(recentSuccess.expectedPeer(), NET);
        clock.millis += Duration.ofHours(11).toMillis();
        db.success(recentSuccess.expectedPeer(), NET); // success 1 h before the cutoff below
        for (int i = 0; i < 6; i++) {
            for (PeerAddress a : List.of(failing, sticky, active, recentSuccess)) {
                db.failure(a.expectedPeer(), false);
            }
            clock.millis += PeerDb.FAILURE_WINDOW_MILLIS; // six separate incidents
        }
        db.failure(fewFailures.expectedPeer(), false);
        db.sessionStarted(active.expectedPeer());
        clock.millis += Duration.ofHours(2).toMillis();
        assertThat(db.prune()).isEqualTo(1);
        assertThat(db.contains(failing.expectedPeer())).isFalse();
        assertThat(db.snapshot()).hasSize(4);
    }

    @Test
    void savesAtomicallyAndLoadsTheSamePeers(@TempDir Path dir) throws IOException {
        PeerAddress a = peer(7000);
        PeerAddress b = new PeerAddress("::1", 7001, NodeIdentity.generate().peerId());
        db.add(a, true);
        db.add(b, false);
        db.success(a.expectedPeer(), NET);
        db.success(a.expectedPeer(), NetworkId.of("4", "sync", 1));
        db.failure(b.expectedPeer(), false);
        Path file = dir.resolve("sub/peers.db");
        db.save(file);
        assertThat(Files.list(file.getParent())).containsExactly(file); // no temporary file left
        assertThat(Files.readAllLines(file).get(0)).isEqualTo(PeerDbFile.HEADER);

        PeerDb loaded = new PeerDb(self, clock, 5, Duration.ofHours(12));
        assertThat(loaded.load(file)).isEqualTo(2);
        for (PeerInfo p : db.snapshot()) {
            assertThat(loaded.get(p.id())).contains(p);
        }
    }

    @Test
    void skipsMalformedLinesAndRejectsAForeignFile(@TempDir Path dir) throws IOException {
        PeerAddress a = peer(7000);
        Path file = dir.resolve("peers.db");
        Files.writeString(file, PeerDbFile.HEADER + "\n# comment\n\n"
                + a + " 1 0 3 10 0 2.5 0/sync/1\n"
                + "not-a-peer 1 0 3 10 0 2.5 -\n"
                + a + " 2 0 3 10 0 2.5 -\n"
                + a + " 1 0 3 10 0 99 -\n"
                + "127.0.0.1:7 1 0 3 10 0 2.5 -\n", StandardCharsets.UTF_8);
        List<PeerInfo> peers = PeerDbFile.read(file);
        assertThat(peers).hasSize(1);
        assertThat(peers.get(0).sticky()).isTrue();
        assertThat(peers.get(0).successes()).isEqualTo(3);
        assertThat(peers.get(0).networks()).containsExactly(NetworkId.of("0", "sync", 1));

        Files.writeString(file, "something else\n");
        assertThatThrownBy(() -> PeerDbFile.read(file)).hasMessageContaining("is not a chainmux peer database");
        assertThat(PeerDbFile.read(dir.resolve("absent.db"))).isEmpty();
    }

    @Test
    void whenSizeCompletesOnceEnoughPeersAreKnown() {
        var f = db.whenSize(2);
        db.add(peer(1), false);
        assertThat(f).isNotDone();
        db.add(peer(2), false);
        assertThat(f).isDone();
        assertThat(db.whenSize(1)).isDone();
    }

    @Test
    void aBootstrapPeerIsRetriedAtOnceAfterARestartDespiteItsRecordedFailures(@TempDir Path dir) throws IOException {
        PeerAddress seed = peer(7000);
        db.bootstrap(seed);
        for (int i = 0; i < 11; i++) {
            db.failure(seed.expectedPeer(), false);
        }
        Path file = dir.resolve("peers.db");
        db.save(file);
        PeerDb restarted = new PeerDb(self, clock, 5, Duration.ofHours(12));
        restarted.load(file);
        assertThat(restarted.get(seed.expectedPeer()).orElseThrow().successiveFailures()).as("history kept").isEqualTo(11);
        restarted.bootstrap(seed);
        PeerInfo p = restarted.get(seed.expectedPeer()).orElseThrow();
        assertThat(p.successiveFailures()).as("no backoff left: dialed at once").isZero();
        assertThat(p.sticky()).isTrue();
        assertThat(p.lastFailure()).isEqualTo(clock.millis());
    }

    @Test
    void aDialFailureSharedByManyNetworksCountsOnce() {
        PeerAddress a = peer(7001);
        db.add(a, false);
        Exception dial = new Exception("cannot connect: connection refused");
        for (int network = 0; network < 100; network++) {
            db.dialFailed(a.expectedPeer(), dial);
        }
        assertThat(db.get(a.expectedPeer()).orElseThrow().successiveFailures()).isEqualTo(1);
        db.dialFailed(a.expectedPeer(), new Exception("the next dial failed too"));
        assertThat(db.get(a.expectedPeer()).orElseThrow().successiveFailures()).isEqualTo(2);
    }

    // ---- bounded size and learning from peers

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void learnedPeersStayWithinTheSourcesBudgetUntilTheyWork() {
        PeerDb small = new PeerDb(self, clock, 5, Duration.ofHours(12), 100, 3);
        PeerId source = NodeIdentity.generate().peerId();
        List<PeerAddress> told = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            told.add(peer(7000 + i));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(small.learn(told.get(i), source, LOOPBACK)).isEqualTo(PeerDb.Learned.ADDED);
        }
        assertThat(small.learn(told.get(3), source, LOOPBACK)).isEqualTo(PeerDb.Learned.SOURCE_BUDGET);
        small.success(told.get(0).expectedPeer(), NET); // one worked: it no longer counts against the source
        assertThat(small.learn(told.get(3), source, LOOPBACK)).isEqualTo(PeerDb.Learned.ADDED);
        small.remove(told.get(1).expectedPeer()); // one forgotten: its place in the budget is free again
        assertThat(small.learn(told.get(4), source, LOOPBACK)).isEqualTo(PeerDb.Learned.ADDED);
        PeerId other = NodeIdentity.generate().peerId();
        assertThat(small.learn(peer(8000), other, LOOPBACK)).as("another source has its own budget")
                .isEqualTo(PeerDb.Learned.ADDED);
    }

    @Test
    void unusableAddressesAreNeverLearned() throws Exception {
        PeerId source = NodeIdentity.generate().peerId();
        for (String host : new String[] {"0.0.0.0", "224.0.0.1", "255.255.255.255", "::", "ff02::1"}) {
            PeerAddress a = new PeerAddress(host, 7000, NodeIdentity.generate().peerId());
            assertThat(db.learn(a, source, null)).as(host).isEqualTo(PeerDb.Learned.UNUSABLE);
        }
        assertThat(db.learn(new PeerAddress("10.0.0.1", 0, NodeIdentity.generate().peerId()), source, null))
                .as("port 0").isEqualTo(PeerDb.Learned.UNUSABLE);
        assertThat(db.learn(peer(7000), source, InetAddress.getByName("203.0.113.5")))
                .as("loopback from a global peer").isEqualTo(PeerDb.Learned.UNUSABLE);
        assertThat(db.size()).isZero();
    }

    @Test
    void onlyThePeerItselfMayChangeItsAddress() {
        PeerAddress a = peer(7000);
        db.add(a, false);
        PeerAddress moved = new PeerAddress("127.0.0.1", 7001, a.expectedPeer());
        PeerId stranger = NodeIdentity.generate().peerId();
        assertThat(db.learn(moved, stranger, LOOPBACK)).isEqualTo(PeerDb.Learned.KNOWN);
        assertThat(db.get(a.expectedPeer()).orElseThrow().address()).isEqualTo(a);
        assertThat(db.learn(moved, a.expectedPeer(), LOOPBACK)).isEqualTo(PeerDb.Learned.UPDATED);
        assertThat(db.get(a.expectedPeer()).orElseThrow().address()).isEqualTo(moved);
        PeerAddress boot = peer(7100);
        db.add(boot, true);
        assertThat(db.learn(new PeerAddress("127.0.0.1", 7101, boot.expectedPeer()), boot.expectedPeer(), LOOPBACK))
                .as("a bootstrap peer's address is the operator's").isEqualTo(PeerDb.Learned.KNOWN);
    }

    @Test
    void aFullDatabaseEvictsOnlyPeersThatNeverWorked() {
        PeerDb small = new PeerDb(self, clock, 5, Duration.ofHours(12), 4, 100);
        PeerAddress boot = peer(7000);
        PeerAddress worked = peer(7001);
        PeerAddress busy = peer(7002);
        PeerAddress idle = peer(7003);
        small.add(boot, true);
        small.add(worked, false);
        small.success(worked.expectedPeer(), NET);
        small.add(busy, false);
        small.sessionStarted(busy.expectedPeer());
        small.add(idle, false);
        PeerId source = NodeIdentity.generate().peerId();
        PeerAddress newcomer = peer(7004);
        assertThat(small.learn(newcomer, source, LOOPBACK)).isEqualTo(PeerDb.Learned.ADDED);
        assertThat(small.contains(idle.expectedPeer())).as("the peer that never worked made room").isFalse();
        assertThat(small.size()).isEqualTo(4);
        small.sessionStarted(newcomer.expectedPeer());
        assertThat(small.learn(peer(7005), source, LOOPBACK)).as("only keepers left").isEqualTo(PeerDb.Learned.FULL);
        assertThat(small.snapshot()).extracting(PeerInfo::id).containsExactlyInAnyOrder(boot.expectedPeer(),
                worked.expectedPeer(), busy.expectedPeer(), newcomer.expectedPeer());
    }

    @Test
    void anotherNodeAtAWorkedPeersAddressDoesNotMakeUsForgetIt() {
        PeerAddress worked = peer(7000);
        PeerAddress never = peer(7001);
        db.add(worked, false);
        db.add(never, false);
        db.success(worked.expectedPeer(), NET);
        assertThat(db.addressTaken(worked.expectedPeer())).isFalse();
        assertThat(db.get(worked.expectedPeer()).orElseThrow().successiveFailures()).isEqualTo(1);
        assertThat(db.addressTaken(never.expectedPeer())).isTrue();
        assertThat(db.contains(never.expectedPeer())).isFalse();
    }

    @Test
    void loadingKeepsTheBestPeersWithinTheBoundAndSkipsUnusableAddresses(@TempDir Path dir) throws IOException {
        PeerDb big = new PeerDb(self, clock, 5, Duration.ofHours(12), 1000, 100);
        PeerAddress boot = peer(7000);
        big.add(boot, true);
        List<PeerAddress> worked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PeerAddress w = peer(7100 + i);
            worked.add(w);
            big.add(w, false);
            big.success(w.expectedPeer(), NET);
        }
        for (int i = 0; i < 10; i++) {
            big.add(peer(7200 + i), false);
        }
        big.add(new PeerAddress("0.0.0.0", 7300, NodeIdentity.generate().peerId()), false);
        Path file = dir.resolve("peers.db");
        big.save(file);
        PeerDb small = new PeerDb(self, clock, 5, Duration.ofHours(12), 4, 100);
        small.load(file);
        assertThat(small.snapshot()).extracting(PeerInfo::id).containsExactlyInAnyOrder(boot.expectedPeer(),
                worked.get(0).expectedPeer(), worked.get(1).expectedPeer(), worked.get(2).expectedPeer());
        PeerDb roomy = new PeerDb(self, clock, 5, Duration.ofHours(12), 1000, 100);
        roomy.load(file);
        assertThat(roomy.size()).as("everything but 0.0.0.0").isEqualTo(14);
    }
}
