package io.chainmux.bench.latency;

import io.chainmux.bench.Running;
import org.HdrHistogram.Recorder;

/**
 * A transport that carries one message at a time from a client to an echoing server and back. The
 * client sends the next message as soon as the echo of the previous one arrived and records each
 * round trip (send to echo received, nanoseconds) in a {@link Recorder}. Same rules as a
 * {@link io.chainmux.bench.Contender}: server and client in this JVM on 127.0.0.1, separate
 * single-thread event loops, TCP_NODELAY.
 */
public interface PingPong {
    String name();

    /**
     * Starts server and client and the first round trip; round trips go on until the returned
     * handle is closed. Errors go to {@code failures} (checked by the harness).
     */
    Running start(int messageSize, Recorder rtt, Failures failures) throws Exception;

    /** The first failure of a run, if any. */
    final class Failures {
        private volatile Throwable first;

        public void fail(Throwable t) {
            if (first == null) {
                first = t;
            }
        }

        public Throwable first() {
            return first;
        }
    }
}
