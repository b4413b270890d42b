package io.chainmux.chaindb;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.CloseReason;
import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Two {@link SessionContext}s connected by in-memory queues, each with its own single-thread executor,
 * standing in for a P2P connection. Like the network, when a session's stage completes its end is
 * finished: what it had not received is released and it sends nothing more, while the other end
 * still receives what was sent to it before, and then a clean close (as after a FIN).
 */
final class SessionPair implements AutoCloseable {
    static final long TIMEOUT_SECONDS = 20;

    final End requester;
    final End responder;

    SessionPair(String chain) {
        NetworkId net = SyncCodec.network(chain);
        requester = new End("requester", net, peerId(1));
        responder = new End("responder", net, peerId(2));
        requester.peer = responder;
        responder.peer = requester;
    }

    private record SentWaiter(int type, int n, CompletableFuture<Void> done) {}

    /** Both outcomes. */
    record Outcomes(SessionOutcome requester, SessionOutcome responder) {}

    /**
     * Runs both sessions to completion (bounded by {@link #TIMEOUT_SECONDS}). A requester that is up to
     * date long-polls (WAIT_HEIGHT) until cut: here the responder's end closes as soon as the first
     * WAIT_HEIGHT is sent, as the network would cut it at its timeout, so the run ends.
     */
    Outcomes run(Session requesterSession, Session responderSession) throws Exception {
        return start(requesterSession, responderSession).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Starts both sessions; the stage completes when both have (see {@link #run} for the end). */
    CompletableFuture<Outcomes> start(Session requesterSession, Session responderSession) {
        requester.whenSent(SyncCodec.WAIT_HEIGHT).thenRun(responder::close);
        return startFollowing(requesterSession, responderSession);
    }

    /** Starts both sessions and lets them run until one ends or an end is closed. */
    CompletableFuture<Outcomes> startFollowing(Session requesterSession, Session responderSession) {
        CompletableFuture<SessionOutcome> a = start(requester, requesterSession);
        CompletableFuture<SessionOutcome> b = start(responder, responderSession);
        return a.thenCombine(b, Outcomes::new);
    }

    private CompletableFuture<SessionOutcome> start(End end, Session session) {
        CompletableFuture<SessionOutcome> out = new CompletableFuture<>();
        CompletionStage<SessionOutcome> stage;
        try {
            stage = session.run(end);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((o, e) -> {
            end.close(); // the network finishes the P2P connection when a session ends
            end.peer.peerFinished();
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(o);
            }
        });
        return out;
    }

    void closeBoth() {
        requester.close();
        responder.close();
    }

    @Override
    public void close() throws InterruptedException {
        closeBoth();
        requester.shutdown();
        responder.shutdown();
    }

    private static PeerId peerId(int b) {
        byte[] key = new byte[PeerId.KEY_LENGTH];
        key[0] = (byte) b;
        return PeerId.of(key);
    }

    /** One side of the connection. */
    static final class End implements SessionContext {
        private final String name;
        private final NetworkId network;
        private final PeerId peerId;
        private final ExecutorService executor;
        private final ArrayDeque<ByteBuf> inbox = new ArrayDeque<>();
        private final List<Integer> sentTypes = new ArrayList<>();
        private final List<SentWaiter> sentWaiters = new ArrayList<>();
        private CompletableFuture<ByteBuf> waiting;
        private boolean closed;
        /** The other end finished: once the inbox is empty, receive fails with a clean close. */
        private boolean peerFinished;
        private End peer;
        /** Applied to every message this end sends; returns the message to deliver (or the same one). */
        volatile UnaryOperator<ByteBuf> tamper = UnaryOperator.identity();

        End(String name, NetworkId network, PeerId peerId) {
            this.name = name;
            this.network = network;
            this.peerId = peerId;
            this.executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "chaindb-test-" + name);
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public PeerId peer() {
            return peerId;
        }

        @Override
        public NetworkId network() {
            return network;
        }

        @Override
        public java.util.concurrent.Executor executor() {
            return executor;
        }

        /** Completes when this end first sends a message of {@code type}. */
        CompletableFuture<Void> whenSent(int type) {
            return whenSent(type, 1);
        }

        /** Completes when this end has sent {@code n} messages of {@code type}. */
        synchronized CompletableFuture<Void> whenSent(int type, int n) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            if (sentTypes.stream().filter(t -> t == type).count() >= n) {
                f.complete(null);
            } else {
                sentWaiters.add(new SentWaiter(type, n, f));
            }
            return f;
        }

        @Override
        public CompletionStage<Void> send(ByteBuf message) {
            List<CompletableFuture<Void>> reached = new ArrayList<>();
            synchronized (this) {
                int type = SyncCodec.peekType(message);
                sentTypes.add(type);
                long count = sentTypes.stream().filter(t -> t == type).count();
                sentWaiters.removeIf(w -> w.type == type && count >= w.n && reached.add(w.done));
            }
            ByteBuf out;
            try {
                out = tamper.apply(message);
            } catch (RuntimeException e) {
                message.release();
                throw e;
            }
            if (!peer.deliver(out)) {
                return CompletableFuture.failedFuture(closedException());
            }
            reached.forEach(f -> f.complete(null));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<ByteBuf> receive() {
            synchronized (this) {
                ByteBuf next = inbox.poll();
                if (next != null) {
                    return CompletableFuture.completedFuture(next);
                }
                if (closed) {
                    return CompletableFuture.failedFuture(closedException());
                }
                if (peerFinished) {
                    return CompletableFuture.failedFuture(PEER_CLOSED);
                }
                if (waiting != null) {
                    throw new IllegalStateException(name + ": receive while a receive is pending");
                }
                waiting = new CompletableFuture<>();
                return waiting;
            }
        }

        /** Types (first byte) of the messages this end sent, before tampering. */
        synchronized List<Integer> sentTypes() {
            return new ArrayList<>(sentTypes);
        }

        synchronized long sent(int type) {
            return sentTypes.stream().filter(t -> t == type).count();
        }

        private boolean deliver(ByteBuf message) {
            CompletableFuture<ByteBuf> w;
            synchronized (this) {
                if (closed) {
                    message.release();
                    return false;
                }
                w = waiting;
                waiting = null;
                if (w == null) {
                    inbox.add(message);
                    return true;
                }
            }
            w.complete(message);
            return true;
        }

        void peerFinished() {
            CompletableFuture<ByteBuf> w;
            synchronized (this) {
                peerFinished = true;
                w = waiting; // a pending receive means the inbox is empty
                waiting = null;
            }
            if (w != null) {
                w.completeExceptionally(PEER_CLOSED);
            }
        }

        void close() {
            CompletableFuture<ByteBuf> w;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                for (ByteBuf b; (b = inbox.poll()) != null; ) {
                    b.release();
                }
                w = waiting;
                waiting = null;
            }
            if (w != null) {
                w.completeExceptionally(closedException());
            }
        }

        void shutdown() throws InterruptedException {
            executor.shutdown();
            if (!executor.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " executor did not stop");
            }
        }

        /** What a receive sees once the other end closed cleanly (its FIN). */
        private static final SessionClosedException PEER_CLOSED =
                new SessionClosedException(CloseReason.remote(ErrorCode.NO_ERROR, "the peer closed its side", null));

        private static SessionClosedException closedException() {
            return new SessionClosedException(CloseReason.local(ErrorCode.NO_ERROR, "test connection closed"));
        }
    }
}
