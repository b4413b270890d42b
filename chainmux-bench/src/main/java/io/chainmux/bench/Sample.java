package io.chainmux.bench;

/**
 * What the receiver counted during one measured interval, the CPU time the sender's and the
 * receiver's event-loop threads used meanwhile ({@link ThreadCpu}; -1 when not measured), and how
 * often the sender's pipe tightened in it ({@link Running#pipeTightenings}; -1 for a contender
 * without one).
 */
public record Sample(long messages, long payloadBytes, long nanos, long senderCpuNanos, long receiverCpuNanos,
                     long pipeTightened) {
    /** A sample without CPU figures or pipe. */
    public Sample(long messages, long payloadBytes, long nanos) {
        this(messages, payloadBytes, nanos, -1, -1, -1);
    }

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

    /** Sender CPU nanoseconds per delivered message, or -1 when not measured. */
    public double senderCpuPerMessage() {
        return senderCpuNanos < 0 || messages == 0 ? -1 : (double) senderCpuNanos / messages;
    }

    /** Receiver CPU nanoseconds per delivered message, or -1 when not measured. */
    public double receiverCpuPerMessage() {
        return receiverCpuNanos < 0 || messages == 0 ? -1 : (double) receiverCpuNanos / messages;
    }
}
