package io.chainmux.endpoint;

import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.testing.FaultRelay;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults between two nodes, injected by a relay on loopback ({@link FaultRelay}) or by killing a
 * node's process with SIGKILL: a stripe cut mid-transfer, a partition that heals, a peer process
 * killed and restarted. Every stream carries sequence-numbered messages in a hash chain, echoed by
 * the far node and checked on return. Nothing is lost silently: every stream either gets every
 * echo back once and in order, or ends with a failure after an in-order, gap-free, chain-valid
 * prefix; and the connection is back (the dialer redials) within a stated time.
 */
class FaultInjectionTest {
    private static final int STREAMS = 8;
    private static final int IN_FLIGHT = 8;
    /** Redial backoff 100 ms .. 1 s: the connection must be back within this once the fault is gone. */
    private static final Duration RECOVERY = Duration.ofSeconds(10);
    private static final long WAIT_SECONDS = 30;

    private static EndpointConfig.Builder dialer(EndpointConfig.Builder b) {
        return b.stripes(2).reconnect(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 1000));
    }

    /** A dialer that notices a silent link within 3 s (the partition); not used elsewhere, as a loaded machine can stall that long. */
    private static EndpointConfig.Builder quickToNoticeSilence(EndpointConfig.Builder b) {
        return dialer(b).idleTimeout(Duration.ofSeconds(3)).keepAliveInterval(Duration.ofMillis(500))
                .handshakeTimeout(Duration.ofSeconds(3));
    }

    /** What a stream saw: how many messages it sent, how many echoes came back in order, how it ended. */
    record Result(long sent, long echoed, CloseReason reason, List<String> errors) {}

    /** Sends a hash-chained sequence on one stream, checks each echo, ends with FIN after {@code total}. */
    static final class ChainedStream implements StreamListener {
        private final long total;
        private final CountDownLatch progress;
        private final CompletableFuture<Result> result = new CompletableFuture<>();
        private final MessageDigest sendDigest = sha256();
        private final MessageDigest checkDigest = sha256();
        private final List<String> errors = new ArrayList<>();
        private byte[] sendHash = new byte[32];
        private byte[] checkHash = new byte[32];
        private long sent;
        private long echoed;
        private boolean progressCounted;

        ChainedStream(long total, CountDownLatch progress) {
            this.total = total;
            this.progress = progress;
        }

        @Override
        public void onAccepted(MuxStream s) {
            sendMore(s);
        }

        @Override
        public void onWritable(MuxStream s) {
            sendMore(s);
        }

        private void sendMore(MuxStream s) {
            while (sent < total && sent - echoed < IN_FLIGHT) {
                ByteBuf m = ByteBufAllocator.DEFAULT.buffer(8 + 32 + 512);
                m.writeLong(sent).writeBytes(sendHash).writeZero(512);
                if (!s.trySend(m)) {
                    m.release();
                    return; // onWritable resumes
                }
                sendHash = next(sendDigest, sendHash, sent);
                sent++;
            }
        }

        @Override
        public void onMessage(MuxStream s, ByteBuf message) {
            int length = message.readableBytes();
            long seq = message.readLong();
            byte[] hash = new byte[32];
            message.readBytes(hash);
            message.release();
            s.consumed(length);
            if (seq != echoed) {
                errors.add("echo " + seq + " where " + echoed + " was due");
            } else if (!Arrays.equals(hash, checkHash)) {
                errors.add("echo " + seq + " breaks the hash chain");
            }
            checkHash = next(checkDigest, checkHash, seq);
            echoed++;
            if (!progressCounted && echoed >= 50) {
                progressCounted = true;
                progress.countDown();
            }
            if (echoed == total) {
                s.close();
            } else {
                sendMore(s);
            }
        }

        @Override
        public void onRemoteClosed(MuxStream s) {
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {
            result.complete(new Result(sent, echoed, reason, List.copyOf(errors)));
        }

        private static byte[] next(MessageDigest d, byte[] prev, long seq) {
            d.update(prev);
            for (int i = 7; i >= 0; i--) {
                d.update((byte) (seq >>> (8 * i)));
            }
            return d.digest();
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Opens {@link #STREAMS} chained streams of {@code total} messages each. */
    private static List<CompletableFuture<Result>> run(PeerConnection pc, long total, CountDownLatch progress) {
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            ChainedStream c = new ChainedStream(total, progress);
            pc.openStream("faults/chain/" + i, 1 << 20, 1, c);
            results.add(c.result);
        }
        return results;
    }

    /** Every stream either finished whole or failed after an intact prefix; returns how many failed. */
    private static int check(List<CompletableFuture<Result>> results, long total) throws Exception {
        int failed = 0;
        for (CompletableFuture<Result> f : results) {
            Result r = f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(r.errors()).as("echoes once, in order, chain intact").isEmpty();
            assertThat(r.echoed()).isLessThanOrEqualTo(r.sent());
            if (r.reason().isNormal()) {
                assertThat(r.echoed()).as("a stream that ended normally got everything back").isEqualTo(total);
            } else {
                failed++;
                assertThat(r.echoed()).as("a failed stream (%s) reports what it lost", r.reason()).isLessThan(total);
            }
        }
        return failed;
    }

    private static Duration awaitConnected(PeerConnection pc) {
        long start = System.nanoTime();
        until("the peer connection is back", pc::hasUsableStripe, RECOVERY);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The figures docs/SECURITY.md quotes: echoes before the fault, and time to reconnect. */
    private static void report(String fault, List<CompletableFuture<Result>> failed, Duration back) {
        long min = Long.MAX_VALUE;
        long max = 0;
        for (CompletableFuture<Result> f : failed) {
            Result r = f.join();
            min = Math.min(min, r.echoed());
            max = Math.max(max, r.echoed());
        }
        System.out.printf("fault %s: %d streams failed after %d..%d intact echoes; connection back in %d ms%n",
                fault, failed.size(), min, max, back.toMillis());
    }

    private static void until(String what, BooleanSupplier condition, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within " + bound).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Test
    void aStripeCutMidTransferLosesNothingSilentlyAndTheConnectionComesBack() throws Exception {
        try (TestNode b = new TestNode(); TestNode a = new TestNode(FaultInjectionTest::dialer);
             FaultRelay relay = new FaultRelay(b.endpoint.localAddress())) {
            PeerConnection pc = a.endpoint.connect(PeerAddress.of(relay.address()).withPeer(b.identity.peerId()))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            CountDownLatch progress = new CountDownLatch(STREAMS);
            List<CompletableFuture<Result>> cut = run(pc, Long.MAX_VALUE, progress);
            assertThat(progress.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("transfer under way").isTrue();
            List<MuxConnection> cutStripes = pc.stripedConnections();
            relay.cut();
            assertThat(check(cut, Long.MAX_VALUE)).as("every stream of the cut stripes reports it").isEqualTo(STREAMS);
            for (CompletableFuture<Result> f : cut) {
                assertThat(f.get().reason().code()).isEqualTo(ErrorCode.CONNECTION_LOST);
            }
            // The streams may all have been on one stripe: until the other has seen its reset too, it
            // still counts as usable, and streams opened on it would meet the cut (and report it).
            CompletableFuture.allOf(cutStripes.stream().map(MuxConnection::closeFuture).toArray(CompletableFuture[]::new))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            report("stripe cut", cut, awaitConnected(pc));
            assertThat(check(run(pc, 200, new CountDownLatch(STREAMS)), 200)).as("after the redial").isZero();
        }
    }

    @Test
    void aPartitionThatHealsLosesNothingSilentlyAndTheConnectionComesBack() throws Exception {
        try (TestNode b = new TestNode(); TestNode a = new TestNode(FaultInjectionTest::quickToNoticeSilence);
             FaultRelay relay = new FaultRelay(b.endpoint.localAddress())) {
            PeerConnection pc = a.endpoint.connect(PeerAddress.of(relay.address()).withPeer(b.identity.peerId()))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            CountDownLatch progress = new CountDownLatch(STREAMS);
            List<CompletableFuture<Result>> during = run(pc, Long.MAX_VALUE, progress);
            assertThat(progress.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            int failuresBefore = a.handshakeFailures.size();
            relay.partition();
            // The idle timeout (3 s) ends the silent stripes; every stream reports the loss.
            assertThat(check(during, Long.MAX_VALUE)).isEqualTo(STREAMS);
            // Redials during the partition meet silence and fail their handshake.
            until("a redial failed during the partition", () -> a.handshakeFailures.size() > failuresBefore,
                    Duration.ofSeconds(WAIT_SECONDS));
            relay.heal();
            Duration back = awaitConnected(pc);
            assertThat(back).isLessThan(RECOVERY);
            report("partition healed", during, back);
            assertThat(check(run(pc, 200, new CountDownLatch(STREAMS)), 200)).isZero();
        }
    }

    @Test
    void aPeerProcessKilledMidTransferAndRestartedLosesNothingSilently(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("node.key");
        Process first = startEchoProcess(key);
        Process second = null;
        try (TestNode a = new TestNode(FaultInjectionTest::dialer);
             FaultRelay relay = new FaultRelay(new java.net.InetSocketAddress("127.0.0.1", readyPort(first)))) {
            PeerConnection pc = a.endpoint.connect(PeerAddress.of(relay.address())
                    .withPeer(io.chainmux.endpoint.identity.NodeIdentity.load(key).peerId()))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            CountDownLatch progress = new CountDownLatch(STREAMS);
            List<CompletableFuture<Result>> killed = run(pc, Long.MAX_VALUE, progress);
            assertThat(progress.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            first.destroyForcibly(); // SIGKILL: no GO_AWAY, no FIN from the application
            assertThat(first.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(check(killed, Long.MAX_VALUE)).isEqualTo(STREAMS);
            // The node comes back (same key, new port); the dialer finds it through its redials.
            second = startEchoProcess(key);
            relay.retarget(new java.net.InetSocketAddress("127.0.0.1", readyPort(second)));
            report("peer process killed and restarted", killed, awaitConnected(pc));
            List<CompletableFuture<Result>> after = run(pc, 200, new CountDownLatch(STREAMS));
            assertThat(check(after, 200)).as("after the restart: %s", after.stream().map(CompletableFuture::join)
                    .map(Result::reason).toList()).isZero();
        } finally {
            first.destroyForcibly();
            if (second != null) {
                second.destroyForcibly();
                second.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    private static Process startEchoProcess(Path key) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EchoNodeProcess.class.getName(), key.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int readyPort(Process p) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    if (l.startsWith("READY ")) {
                        return l;
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String ready = line.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(ready).as("the node process started").isNotNull();
        return Integer.parseInt(ready.split(" ")[1]);
    }
}
