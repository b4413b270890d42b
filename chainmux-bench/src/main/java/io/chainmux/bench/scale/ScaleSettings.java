package io.chainmux.bench.scale;

import io.chainmux.p2p.NetworkConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one scale run does; immutable and validated here (every bad value gets a one-line message that
 * names the command-line option).
 *
 * @param mode            shared (multiplexed) or unshared (a TCP connection per stream)
 * @param chains          chain networks of the node under test (and of every peer)
 * @param degree          outgoing sessions per chain network of the node under test
 * @param peers           peer nodes (accept only: they serve every chain and ask nothing)
 * @param stripes         TCP connections per peer in the shared mode
 * @param formSeconds     the longest the node under test may take to reach its degree on every chain
 * @param idleSeconds     the idle phase: sessions open, no application traffic
 * @param steadySeconds   the steady phase: every chain gets a block every {@code blockInterval} seconds
 * @param blockInterval   seconds between two blocks of one chain in the steady phase
 * @param blockSize       payload bytes per block
 * @param catchupBlocks   blocks added to every chain while the node under test is down, before it restarts empty
 * @param catchupSeconds  the longest the catch-up may take
 * @param healSeconds     the longest the node may take to regain its degree after its connections are cut
 * @param msgRate         small messages per second per session of the latency-sensitive network
 * @param msgSize         bytes per small message
 * @param nodeJvmOptions  JVM options of the node under test (default: those {@code bin/chainmux node} uses)
 */
public record ScaleSettings(ScaleMode mode, int chains, int degree, int peers, int stripes, double formSeconds,
                            double idleSeconds, double steadySeconds, double blockInterval, int blockSize,
                            int catchupBlocks, double catchupSeconds, double healSeconds, double msgRate, int msgSize,
                            List<String> nodeJvmOptions) {
    /** The JVM options {@code bin/chainmux node} starts a node with (see the README). */
    public static final List<String> NODE_JVM_DEFAULTS =
            List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Dio.netty.jfr.enabled=false");
    public static final int MAX_CHAINS = 10_000;
    public static final int MAX_PEERS = 64;
    public static final int MIN_MSG_SIZE = PingMessage.HEADER;

    public ScaleSettings {
        range("--chains", chains, 1, MAX_CHAINS);
        range("--degree", degree, 1, NetworkConfig.MAX_DEGREE);
        range("--peers", peers, 1, MAX_PEERS);
        if (degree > peers) {
            throw new IllegalArgumentException("--degree must be at most --peers (" + peers + "), got " + degree);
        }
        range("--stripes", stripes, 1, 8);
        seconds("--form-timeout", formSeconds, false);
        seconds("--idle-seconds", idleSeconds, false);
        seconds("--steady-seconds", steadySeconds, false);
        seconds("--block-interval", blockInterval, false);
        range("--block-size", blockSize, 1, 1 << 20);
        range("--catchup-blocks", catchupBlocks, 1, 100_000);
        seconds("--catchup-timeout", catchupSeconds, false);
        seconds("--heal-timeout", healSeconds, false);
        if (!(msgRate > 0 && msgRate <= 1000)) {
            throw new IllegalArgumentException("--msg-rate must be > 0 and at most 1000 messages per second, got " + msgRate);
        }
        range("--msg-size", msgSize, MIN_MSG_SIZE, 65_536);
        nodeJvmOptions = List.copyOf(nodeJvmOptions);
    }

    /** Degree of the latency-sensitive network: as the chains', but at most the peers there are. */
    public int pingDegree() {
        return Math.min(degree, peers);
    }

    /** The options the node under test's process gets (what it needs of these settings). */
    List<String> nodeArgs() {
        List<String> a = new ArrayList<>();
        a.add("--mode=" + mode.label());
        a.add("--chains=" + chains);
        a.add("--degree=" + degree);
        a.add("--ping-degree=" + pingDegree());
        a.add("--stripes=" + stripes);
        a.add("--block-size=" + blockSize);
        a.add(String.format(Locale.ROOT, "--msg-rate=%s", msgRate));
        a.add("--msg-size=" + msgSize);
        return a;
    }

    private static void range(String option, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(option + " must be in [" + min + ", " + max + "], got " + v);
        }
    }

    private static void seconds(String option, double v, boolean zeroAllowed) {
        if (!Double.isFinite(v) || v < 0 || (!zeroAllowed && v == 0) || v > 86_400) {
            throw new IllegalArgumentException(option + " must be " + (zeroAllowed ? ">= 0" : "> 0")
                    + " and at most 86400 seconds, got " + v);
        }
    }
}
