package io.chainmux.p2p;

import io.chainmux.broker.Dispatch;
import io.chainmux.config.ConfigChecks;

import java.time.Duration;

/**
 * How one P2P network behaves; immutable and validated here. Defaults follow chainweb-node's P2P
 * where it has a value (anchors: session timeout 240 s with [0.9, 1.1] jitter, sharing bias 0.95 to
 * peers with at most 1 failure, timeouts count as success).
 *
 * @param targetDegree           outgoing sessions the request side keeps running (chainweb's
 *                               maxSessionCount: default 10 there, allowed 2-30; we default to 8, the
 *                               design's scale target, and allow 0-30; 0 serves the network without
 *                               asking it: inbound sessions only)
 * @param maxInboundSessions     inbound sessions the accept side runs at once; beyond that opens are
 *                               refused REFUSED_BUSY with alternative peers
 * @param maxInboundPerPeer      inbound sessions one peer may hold here (an honest peer holds one, two
 *                               while one ends and the next starts); beyond it: REFUSED_LIMIT
 * @param maxInboundPerAddress   inbound sessions all peers at one remote IP address may hold here
 *                               (loopback exempt unless the endpoint limits loopback); beyond it:
 *                               REFUSED_LIMIT
 * @param firstRequestTimeout    an inbound session that has received no message this long after it was
 *                               accepted is cut (SESSION_TIMEOUT) when the network is full and another
 *                               peer wants its slot, so a silent peer cannot sit on a slot; zero turns
 *                               the cut off (for protocols where the responder speaks first)
 * @param sessionTimeout         a session is cut after this, times a uniform factor in
 *                               [1 - timeoutJitter, 1 + timeoutJitter]
 * @param timeoutJitter          relative jitter of the session timeout, so sessions do not end in lockstep
 * @param timeoutIsSuccess       whether a session cut at its timeout counts as a success (chainweb: yes;
 *                               its sessions sync until cut)
 * @param restartDelay           pause before an ended outgoing session's slot is refilled
 * @param requestInterval        shortest pause between the request side's looks for peers while below its
 *                               degree (it also looks when a slot frees, a backoff ends or the peer database grows)
 * @param sharingAware           prefer peers this node already has a TCP connection to (for other networks)
 * @param sharingProbability     how often (0-1) a sharing-aware pick is restricted to connected peers
 * @param sharingMaxFailures     connected peers with more successive failures are not preferred
 * @param sharingPeerCap         0: explore like chainweb (a share 1 - sharingProbability of picks ignores
 *                               connected peers). n > 0: explore only while this node is connected to fewer
 *                               than n peers, so distinct peers stop growing with the number of networks
 * @param backoffBase            after n successive failures a peer is retried after
 *                               min(backoffMax, backoffBase x 2^(n-1)); busy refusals wait backoffBase
 * @param backoffMax             cap of that backoff
 * @param busyAlternatives       alternative peers named in a busy refusal (at most 12: the RESET detail
 *                               holds 1000 bytes)
 * @param maxMessageSize         largest message accepted from a peer on this network (chainweb: the same
 *                               2 MB response limit on every node, or the network partitions)
 * @param dispatch               which broker pool runs this network's sessions: {@link Dispatch#SHARED}, or
 *                               {@link Dispatch#PRIORITY} for latency-sensitive networks that must not wait
 *                               behind bulk networks' work
 */
public record NetworkConfig(int targetDegree, int maxInboundSessions, int maxInboundPerPeer, int maxInboundPerAddress,
                            Duration firstRequestTimeout, Duration sessionTimeout, double timeoutJitter,
                            boolean timeoutIsSuccess, Duration restartDelay, Duration requestInterval,
                            boolean sharingAware, double sharingProbability, int sharingMaxFailures,
                            int sharingPeerCap, Duration backoffBase, Duration backoffMax, int busyAlternatives, int maxMessageSize,
                            Dispatch dispatch) {
    private static final ConfigChecks CHECK = new ConfigChecks("NetworkConfig");

    public static final int MAX_DEGREE = 30;
    public static final Duration MAX_SESSION_TIMEOUT = Duration.ofSeconds(900);

    public NetworkConfig {
        CHECK.require(targetDegree >= 0 && targetDegree <= MAX_DEGREE, "targetDegree", targetDegree, "in [0, " + MAX_DEGREE + "]");
        CHECK.require(maxInboundSessions >= 0 && maxInboundSessions <= 100_000, "maxInboundSessions", maxInboundSessions,
                "in [0, 100000]");
        CHECK.require(maxInboundPerPeer >= 1, "maxInboundPerPeer", maxInboundPerPeer, ">= 1");
        CHECK.require(maxInboundPerAddress >= 1, "maxInboundPerAddress", maxInboundPerAddress, ">= 1");
        CHECK.require(firstRequestTimeout != null && !firstRequestTimeout.isNegative(), "firstRequestTimeout",
                firstRequestTimeout, ">= 0");
        CHECK.positive(sessionTimeout, "sessionTimeout");
        CHECK.require(sessionTimeout.compareTo(MAX_SESSION_TIMEOUT) <= 0, "sessionTimeout", sessionTimeout,
                "at most " + MAX_SESSION_TIMEOUT);
        CHECK.require(timeoutJitter >= 0 && timeoutJitter <= 0.5, "timeoutJitter", timeoutJitter, "in [0, 0.5]");
        CHECK.require(restartDelay != null && !restartDelay.isNegative(), "restartDelay", restartDelay, ">= 0");
        CHECK.positive(requestInterval, "requestInterval");
        CHECK.require(sharingProbability >= 0 && sharingProbability <= 1, "sharingProbability", sharingProbability,
                "in [0, 1]");
        CHECK.require(sharingMaxFailures >= 0, "sharingMaxFailures", sharingMaxFailures, ">= 0");
        CHECK.require(sharingPeerCap >= 0, "sharingPeerCap", sharingPeerCap, ">= 0");
        CHECK.positive(backoffBase, "backoffBase");
        CHECK.positive(backoffMax, "backoffMax");
        if (backoffMax.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("NetworkConfig.backoffMax (" + backoffMax + ") must be >= backoffBase ("
                    + backoffBase + ")");
        }
        CHECK.require(busyAlternatives >= 0 && busyAlternatives <= BusyDetail.MAX_PEERS, "busyAlternatives",
                busyAlternatives, "in [0, " + BusyDetail.MAX_PEERS + "]");
        CHECK.require(maxMessageSize >= 1, "maxMessageSize", maxMessageSize, ">= 1");
        CHECK.nonNull(dispatch, "dispatch");
    }

    public static NetworkConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().targetDegree(targetDegree).maxInboundSessions(maxInboundSessions)
                .maxInboundPerPeer(maxInboundPerPeer).maxInboundPerAddress(maxInboundPerAddress)
                .firstRequestTimeout(firstRequestTimeout)
                .sessionTimeout(sessionTimeout).timeoutJitter(timeoutJitter).timeoutIsSuccess(timeoutIsSuccess)
                .restartDelay(restartDelay).requestInterval(requestInterval).sharingAware(sharingAware)
                .sharingProbability(sharingProbability).sharingMaxFailures(sharingMaxFailures).sharingPeerCap(sharingPeerCap)
                .backoffBase(backoffBase).backoffMax(backoffMax).busyAlternatives(busyAlternatives)
                .maxMessageSize(maxMessageSize).dispatch(dispatch);
    }

    /** The timeout for one session: the configured one times a uniform factor in [1 - jitter, 1 + jitter]. */
    public Duration jitteredTimeout(double uniform01) {
        double factor = 1 - timeoutJitter + 2 * timeoutJitter * uniform01;
        return Duration.ofNanos((long) (sessionTimeout.toNanos() * factor));
    }

    /** When a peer with {@code failures} successive failures may be tried again, after its last failure. */
    public Duration backoff(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        int shift = Math.min(failures - 1, 30);
        long nanos = backoffBase.toNanos();
        long scaled = nanos > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : nanos << shift;
        return Duration.ofNanos(Math.min(scaled, backoffMax.toNanos()));
    }

    public static final class Builder {
        private int targetDegree = 8;
        private int maxInboundSessions = 16;
        private int maxInboundPerPeer = 2;
        private int maxInboundPerAddress = 8;
        private Duration firstRequestTimeout = Duration.ofSeconds(5);
        private Duration sessionTimeout = Duration.ofSeconds(240);
        private double timeoutJitter = 0.1;
        private boolean timeoutIsSuccess = true;
        private Duration restartDelay = Duration.ofMillis(500);
        private Duration requestInterval = Duration.ofSeconds(2);
        private boolean sharingAware = true;
        private double sharingProbability = 0.95;
        private int sharingMaxFailures = 1;
        private int sharingPeerCap = 0;
        private Duration backoffBase = Duration.ofSeconds(2);
        private Duration backoffMax = Duration.ofMinutes(5);
        private int busyAlternatives = 5;
        private int maxMessageSize = 2 * 1024 * 1024;
        private Dispatch dispatch = Dispatch.SHARED;

        private Builder() {}

        public Builder targetDegree(int v) { targetDegree = v; return this; }
        public Builder maxInboundSessions(int v) { maxInboundSessions = v; return this; }
        public Builder maxInboundPerPeer(int v) { maxInboundPerPeer = v; return this; }
        public Builder maxInboundPerAddress(int v) { maxInboundPerAddress = v; return this; }
        public Builder firstRequestTimeout(Duration v) { firstRequestTimeout = v; return this; }
        public Builder sessionTimeout(Duration v) { sessionTimeout = v; return this; }
        public Builder timeoutJitter(double v) { timeoutJitter = v; return this; }
        public Builder timeoutIsSuccess(boolean v) { timeoutIsSuccess = v; return this; }
        public Builder restartDelay(Duration v) { restartDelay = v; return this; }
        public Builder requestInterval(Duration v) { requestInterval = v; return this; }
        public Builder sharingAware(boolean v) { sharingAware = v; return this; }
        public Builder sharingProbability(double v) { sharingProbability = v; return this; }
        public Builder sharingMaxFailures(int v) { sharingMaxFailures = v; return this; }
        public Builder sharingPeerCap(int v) { sharingPeerCap = v; return this; }
        public Builder backoffBase(Duration v) { backoffBase = v; return this; }
        public Builder backoffMax(Duration v) { backoffMax = v; return this; }
        public Builder busyAlternatives(int v) { busyAlternatives = v; return this; }
        public Builder maxMessageSize(int v) { maxMessageSize = v; return this; }
        public Builder dispatch(Dispatch v) { dispatch = v; return this; }

        public NetworkConfig build() {
            return new NetworkConfig(targetDegree, maxInboundSessions, maxInboundPerPeer, maxInboundPerAddress,
                    firstRequestTimeout, sessionTimeout, timeoutJitter, timeoutIsSuccess,
                    restartDelay, requestInterval, sharingAware, sharingProbability, sharingMaxFailures, sharingPeerCap, backoffBase,
                    backoffMax, busyAlternatives, maxMessageSize, dispatch);
        }
    }
}
