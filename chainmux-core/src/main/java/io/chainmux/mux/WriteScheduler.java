package io.chainmux.mux;

/**
 * Decides which stream writes next. A seam separate from flow control: the scheduler only sees
 * streams that have something to send, and the {@link Emitter} tells it, frame by frame, whether
 * credit allowed the write. Event-loop confined.
 *
 * @param <S> the stream type the nodes carry
 */
interface WriteScheduler<S> {
    /** {@link Emitter#emit} result: the stream has nothing more it may send now; drop it until re-activated. */
    int IDLE = -1;
    /** {@link Emitter#emit} result: the whole connection is out of credit; stop distributing. */
    int BLOCKED = -2;
    /**
     * {@link Emitter#emit} result: the stream sent everything it had; like {@link #IDLE}, and the
     * scheduler may note whether the stream was light (see {@link DeficitRoundRobinScheduler#lightTurns}).
     */
    int DRAINED = -3;

    /** Marks a node as having data to send; idempotent. */
    void activate(Node<S> node);

    /**
     * Lets active streams write frames, in scheduling order, until {@code budget} bytes are spent or
     * no stream can write.
     *
     * @return payload bytes written
     */
    long distribute(long budget, Emitter<S> emitter);

    /** Whether any stream is waiting to write. */
    boolean hasActive();

    /** Writes at most one frame for a stream. */
    interface Emitter<S> {
        /**
         * @param maxBytes the most payload bytes the scheduler wants from this stream now (at least 1)
         * @return payload bytes written (0 for a frame without payload), {@link #IDLE}, {@link #DRAINED}
         *         or {@link #BLOCKED}
         */
        int emit(S stream, int maxBytes);
    }

    /** Per-stream scheduling state, owned by the scheduler (extended by {@link StreamNode} to be a task too). */
    class Node<S> {
        final S stream;
        int weight;
        long deficit;
        boolean active;
        /** Served before every other stream (see {@link DeficitRoundRobinScheduler}); read at activation. */
        boolean urgent;
        /**
         * Nothing of the stream has gone out since it last left the ring: it is in its first turn (a
         * turn cut short by the pass budget goes on in the next pass). Cleared when it stays for
         * another turn, or when a message of it bypasses the scheduler ({@link OutboundWriter#tryWriteNow}).
         */
        boolean fresh = true;
        /**
         * The bytes other streams sent from the stream's activation to its first turn (see
         * {@link DeficitRoundRobinScheduler#takeLeastLightWait}); until that turn, the bitwise complement
         * of the scheduler's byte count at activation (negative).
         */
        long waited;

        public Node(S stream, int weight) {
            this.stream = stream;
            setWeight(weight);
        }

        public S stream() {
            return stream;
        }

        public int weight() {
            return weight;
        }

        public void setWeight(int weight) {
            this.weight = checkWeight(weight);
        }

        /** A weight in [1, 256], or an {@link IllegalArgumentException}; for checks on the caller's thread. */
        public static int checkWeight(int weight) {
            if (weight < 1 || weight > 256) {
                throw new IllegalArgumentException("stream weight must be in [1, 256], was " + weight);
            }
            return weight;
        }
    }
}
