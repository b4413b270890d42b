package io.chainmux.mux;

import io.chainmux.config.ConfigChecks;
import io.chainmux.wire.SettingId;
import io.chainmux.wire.Settings;

import java.time.Duration;

/**
 * Limits and tunables of one multiplexed connection. Immutable; every value is validated here, so a
 * connection never runs with an inconsistent configuration. {@link #defaults()} is the recommended start.
 *
 * @param maxFrameSize            largest DATA payload we accept per frame (announced in SETTINGS)
 * @param initialStreamWindow     receive window each new stream starts with: the floor every stream
 *                                commits from {@link #receiveBudget} (announced in SETTINGS)
 * @param maxStreamWindow         cap for autotuned stream windows
 * @param initialConnectionWindow receive window of the whole connection at start; it is refilled on
 *                                receipt, so it bounds bytes in flight, not memory
 * @param maxConnectionWindow     cap for the autotuned connection window
 * @param maxInboundStreams       streams the peer may have open at once (our MAX_STREAMS credit)
 * @param maxStreamsPerNetwork    streams one network id may have open on this connection (both directions)
 * @param maxMessageSize          connection-wide cap on inbound message size (announced in SETTINGS)
 * @param maxReassemblyBytes      bytes of partial (fragmented, incomplete) inbound messages held at once
 *                                over all streams; a fragment beyond it resets its stream
 *                                (ENHANCE_YOUR_CALM) rather than let memory grow or credit deadlock
 * @param receiveBudget           stream credit committed to the peer at once over all streams (see
 *                                {@code ReceiveBudget}): bounds the memory of windows and unread
 *                                messages per connection; a stream whose floor does not fit is
 *                                refused (REFUSED_LIMIT), window growth uses at most 3/4 of it
 * @param streamSendBuffer        outbound bytes queued per stream before {@code trySend} refuses; a stream
 *                                takes at most its send window plus 32 KiB of it, since what lies beyond
 *                                waits for the peer's credit anyway
 * @param connectionSendBuffer    outbound bytes queued over all streams before {@code trySend} refuses
 * @param maxQueuedMessagesPerStream outbound messages queued per stream before {@code trySend} refuses
 * @param maxPendingOpens         local opens waiting for the peer's stream credit
 * @param maxPendingAccepts       inbound opens waiting for the application to accept or refuse
 * @param maxQueuedControlFrames  control frames queued while the peer does not read, before we give up
 * @param receivedResets          premature RESET frames we accept from the peer (rapid reset defence): resets
 *                                of streams it opened less than a second before, or of streams already gone;
 *                                refusals of our opens and ends of established streams are not counted
 * @param sentResets              RESET frames the peer may provoke from us (MadeYouReset defence), not
 *                                counting NO_ERROR, CANCEL, SESSION_TIMEOUT or REFUSED_GOING_AWAY; the
 *                                window allows {@code maxInboundStreams} more, so refusing each of a full
 *                                set of the peer's opens is ordinary
 * @param pings                   PING frames we answer
 * @param settingsTimeout         how long we wait for the peer's SETTINGS
 * @param goAwayTimeout           how long a graceful go-away may take before the connection is closed
 * @param autotuneWindows         grow windows toward the bandwidth-delay product
 * @param writeTimeout            how long output may be pending with not one byte leaving (the peer's
 *                                TCP window stays shut: it does not read) before the connection is
 *                                closed (WRITE_TIMEOUT); a slow link still moves bytes, so it never trips it
 * @param messageTimeout          how long a message may stay in progress (first fragment to the last)
 *                                before its stream is reset (MESSAGE_TIMEOUT), extended by one second per
 *                                {@code minMessageRate} bytes received of it
 * @param minMessageRate          bytes per second of a message in progress that earn it one more second;
 *                                a message trickled slower than this is reset once {@code messageTimeout}
 *                                has passed, while a large message over a slow or shared link keeps going
 * @param drainTimeout            after a graceful close has half-closed our output (GO_AWAY sent, no stream
 *                                left), how long we read and discard the peer's bytes waiting for it to
 *                                close, so a crossing OPEN does not meet a TCP reset; also bounds a close
 *                                after a connection error whose GO_AWAY the peer does not read
 */
public record MuxConfig(int maxFrameSize, int initialStreamWindow, int maxStreamWindow,
                        int initialConnectionWindow, int maxConnectionWindow, int maxInboundStreams,
                        int maxStreamsPerNetwork, int maxMessageSize, long maxReassemblyBytes, long receiveBudget,
                        int streamSendBuffer,
                        long connectionSendBuffer, int maxQueuedMessagesPerStream, int maxPendingOpens,
                        int maxPendingAccepts, int maxQueuedControlFrames, RateLimit receivedResets,
                        RateLimit sentResets, RateLimit pings, Duration settingsTimeout,
                        Duration goAwayTimeout, boolean autotuneWindows, Duration writeTimeout,
                        Duration messageTimeout, int minMessageRate, Duration drainTimeout) {
    private static final ConfigChecks CHECK = new ConfigChecks("MuxConfig");

    public MuxConfig {
        CHECK.require(SettingId.MAX_FRAME_SIZE.allows(maxFrameSize), "maxFrameSize", maxFrameSize,
                "in [1024, 16777215]");
        CHECK.require(initialStreamWindow >= 0, "initialStreamWindow", initialStreamWindow, ">= 0");
        CHECK.require(maxStreamWindow >= initialStreamWindow, "maxStreamWindow", maxStreamWindow,
                ">= initialStreamWindow (" + initialStreamWindow + ")");
        CHECK.require(initialConnectionWindow >= 0, "initialConnectionWindow", initialConnectionWindow, ">= 0");
        CHECK.require(maxConnectionWindow >= initialConnectionWindow, "maxConnectionWindow", maxConnectionWindow,
                ">= initialConnectionWindow (" + initialConnectionWindow + ")");
        CHECK.require(maxInboundStreams >= 0, "maxInboundStreams", maxInboundStreams, ">= 0");
        CHECK.require(maxStreamsPerNetwork >= 1, "maxStreamsPerNetwork", maxStreamsPerNetwork, ">= 1");
        CHECK.require(maxMessageSize >= 1, "maxMessageSize", maxMessageSize, ">= 1");
        CHECK.require(maxReassemblyBytes >= maxMessageSize, "maxReassemblyBytes", maxReassemblyBytes,
                ">= maxMessageSize (" + maxMessageSize + "), or a largest message could never be reassembled");
        CHECK.require(receiveBudget >= 4L * initialStreamWindow && receiveBudget >= 1, "receiveBudget",
                receiveBudget, ">= 4 x initialStreamWindow (" + 4L * initialStreamWindow + ") and >= 1");
        CHECK.require(streamSendBuffer >= 1, "streamSendBuffer", streamSendBuffer, ">= 1");
        CHECK.require(connectionSendBuffer >= streamSendBuffer, "connectionSendBuffer", connectionSendBuffer,
                ">= streamSendBuffer (" + streamSendBuffer + ")");
        CHECK.require(maxQueuedMessagesPerStream >= 2 && Integer.bitCount(maxQueuedMessagesPerStream) == 1,
                "maxQueuedMessagesPerStream", maxQueuedMessagesPerStream, "a power of two >= 2");
        CHECK.require(maxPendingOpens >= 0, "maxPendingOpens", maxPendingOpens, ">= 0");
        CHECK.require(maxPendingAccepts >= 1, "maxPendingAccepts", maxPendingAccepts, ">= 1");
        CHECK.require(maxQueuedControlFrames >= 16, "maxQueuedControlFrames", maxQueuedControlFrames, ">= 16");
        CHECK.nonNull(receivedResets, "receivedResets");
        CHECK.nonNull(sentResets, "sentResets");
        CHECK.nonNull(pings, "pings");
        CHECK.positive(settingsTimeout, "settingsTimeout");
        CHECK.positive(goAwayTimeout, "goAwayTimeout");
        CHECK.positive(writeTimeout, "writeTimeout");
        CHECK.positive(messageTimeout, "messageTimeout");
        CHECK.require(minMessageRate >= 1, "minMessageRate", minMessageRate, ">= 1 (bytes per second)");
        CHECK.positive(drainTimeout, "drainTimeout");
    }

    public static MuxConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxFrameSize = maxFrameSize;
        b.initialStreamWindow = initialStreamWindow;
        b.maxStreamWindow = maxStreamWindow;
        b.initialConnectionWindow = initialConnectionWindow;
        b.maxConnectionWindow = maxConnectionWindow;
        b.maxInboundStreams = maxInboundStreams;
        b.maxStreamsPerNetwork = maxStreamsPerNetwork;
        b.maxMessageSize = maxMessageSize;
        b.maxReassemblyBytes = maxReassemblyBytes;
        b.receiveBudget = receiveBudget;
        b.streamSendBuffer = streamSendBuffer;
        b.connectionSendBuffer = connectionSendBuffer;
        b.maxQueuedMessagesPerStream = maxQueuedMessagesPerStream;
        b.maxPendingOpens = maxPendingOpens;
        b.maxPendingAccepts = maxPendingAccepts;
        b.maxQueuedControlFrames = maxQueuedControlFrames;
        b.receivedResets = receivedResets;
        b.sentResets = sentResets;
        b.pings = pings;
        b.settingsTimeout = settingsTimeout;
        b.goAwayTimeout = goAwayTimeout;
        b.autotuneWindows = autotuneWindows;
        b.writeTimeout = writeTimeout;
        b.messageTimeout = messageTimeout;
        b.minMessageRate = minMessageRate;
        b.drainTimeout = drainTimeout;
        return b;
    }

    /** What we announce to the peer. */
    public Settings settings() {
        return new Settings(maxFrameSize, initialStreamWindow, initialConnectionWindow, maxInboundStreams,
                maxMessageSize);
    }

    /** Starts from the defaults; {@link #build()} validates. */
    public static final class Builder {
        /**
         * Above the protocol's default (16 KiB): a stream that sends alone frames up to it (a 64 KiB
         * message in one frame, delivered without reassembly); streams that share a pass still take
         * turns in 16 KiB frames (OutboundWriter.INTERLEAVED_FRAME_SIZE).
         */
        private int maxFrameSize = 64 * 1024;
        /** A floor, not the protocol default: 2,048 streams x 32 KiB fit the 64 MiB receive budget. */
        private int initialStreamWindow = 32 * 1024;
        private int maxStreamWindow = 16 * 1024 * 1024;
        private int initialConnectionWindow = SettingId.INITIAL_CONNECTION_WINDOW.defaultValue;
        private int maxConnectionWindow = 64 * 1024 * 1024;
        private int maxInboundStreams = SettingId.MAX_STREAMS.defaultValue;
        private int maxStreamsPerNetwork = SettingId.MAX_STREAMS.defaultValue;
        private int maxMessageSize = SettingId.MAX_MESSAGE_SIZE.defaultValue;
        private long maxReassemblyBytes = 64L * 1024 * 1024;
        private long receiveBudget = 64L * 1024 * 1024;
        private int streamSendBuffer = 256 * 1024;
        private long connectionSendBuffer = 32L * 1024 * 1024;
        private int maxQueuedMessagesPerStream = 4096;
        private int maxPendingOpens = 1024;
        // As many as the peer may open: at 1000 networks per connection, a peer opening one session per
        // network at once is ordinary, and accepts complete asynchronously on the networks' executors.
        private int maxPendingAccepts = SettingId.MAX_STREAMS.defaultValue;
        private int maxQueuedControlFrames = 10_000;
        private RateLimit receivedResets = RateLimit.of(200, Duration.ofSeconds(30));
        private RateLimit sentResets = RateLimit.of(200, Duration.ofSeconds(30));
        private RateLimit pings = RateLimit.of(100, Duration.ofSeconds(10));
        private Duration settingsTimeout = Duration.ofSeconds(10);
        private Duration goAwayTimeout = Duration.ofSeconds(30);
        private boolean autotuneWindows = true;
        // Deadlines on a peer's progress, not on speed: 1000 chains catching up over one slow link share
        // it, so a stream may see one frame a minute; these trip only when nothing moves at all (write)
        // or a message gains less than 64 bytes per second over a minute (a byte-by-byte trickle).
        private Duration writeTimeout = Duration.ofSeconds(60);
        private Duration messageTimeout = Duration.ofSeconds(60);
        private int minMessageRate = 64;
        private Duration drainTimeout = Duration.ofSeconds(5);

        private Builder() {}

        public Builder maxFrameSize(int v) { maxFrameSize = v; return this; }
        public Builder initialStreamWindow(int v) { initialStreamWindow = v; return this; }
        public Builder maxStreamWindow(int v) { maxStreamWindow = v; return this; }
        public Builder initialConnectionWindow(int v) { initialConnectionWindow = v; return this; }
        public Builder maxConnectionWindow(int v) { maxConnectionWindow = v; return this; }
        public Builder maxInboundStreams(int v) { maxInboundStreams = v; return this; }
        public Builder maxStreamsPerNetwork(int v) { maxStreamsPerNetwork = v; return this; }
        public Builder maxMessageSize(int v) { maxMessageSize = v; return this; }
        public Builder maxReassemblyBytes(long v) { maxReassemblyBytes = v; return this; }
        public Builder receiveBudget(long v) { receiveBudget = v; return this; }
        public Builder streamSendBuffer(int v) { streamSendBuffer = v; return this; }
        public Builder connectionSendBuffer(long v) { connectionSendBuffer = v; return this; }
        public Builder maxQueuedMessagesPerStream(int v) { maxQueuedMessagesPerStream = v; return this; }
        public Builder maxPendingOpens(int v) { maxPendingOpens = v; return this; }
        public Builder maxPendingAccepts(int v) { maxPendingAccepts = v; return this; }
        public Builder maxQueuedControlFrames(int v) { maxQueuedControlFrames = v; return this; }
        public Builder receivedResets(RateLimit v) { receivedResets = v; return this; }
        public Builder sentResets(RateLimit v) { sentResets = v; return this; }
        public Builder pings(RateLimit v) { pings = v; return this; }
        public Builder settingsTimeout(Duration v) { settingsTimeout = v; return this; }
        public Builder goAwayTimeout(Duration v) { goAwayTimeout = v; return this; }
        public Builder autotuneWindows(boolean v) { autotuneWindows = v; return this; }
        public Builder writeTimeout(Duration v) { writeTimeout = v; return this; }
        public Builder messageTimeout(Duration v) { messageTimeout = v; return this; }
        public Builder minMessageRate(int v) { minMessageRate = v; return this; }
        public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }

        public MuxConfig build() {
            return new MuxConfig(maxFrameSize, initialStreamWindow, maxStreamWindow, initialConnectionWindow,
                    maxConnectionWindow, maxInboundStreams, maxStreamsPerNetwork, maxMessageSize, maxReassemblyBytes,
                    receiveBudget, streamSendBuffer,
                    connectionSendBuffer, maxQueuedMessagesPerStream, maxPendingOpens, maxPendingAccepts,
                    maxQueuedControlFrames, receivedResets, sentResets, pings, settingsTimeout, goAwayTimeout,
                    autotuneWindows, writeTimeout, messageTimeout, minMessageRate, drainTimeout);
        }
    }

}
