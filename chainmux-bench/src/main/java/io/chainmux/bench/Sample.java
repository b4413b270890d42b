package io.chainmux.bench;

/** What the receiver counted during one measured interval. */
public record Sample(long messages, long payloadBytes, long nanos) {
    public double seconds() {
        return nanos / 1e9;
    }

    public double messagesPerSecond() {
        return messages / seconds();
    }

    /** Payload megabytes (10^6 bytes) per second. */
    public double megabytesPerSecond() {
        return payloadBytes / 1e6 / seconds();
    }
}
