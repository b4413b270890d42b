package io.chainmux.broker;

import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What only some of a {@link NetworkStream}'s connections use: unread messages beyond the oldest,
 * sends waiting for room, a waiting {@link SessionContext#receive()} future, the close future and
 * reason, and an outbound connection's open future until the open is decided.
 * Made by the first connection that needs one of them, then kept; an idle connection (a session
 * long-polling by {@link SessionContext#receive(java.util.function.BiConsumer)}) has none, and 8,000
 * of them rest on a node of 1000 networks.
 *
 * <p>Guarded by the owning stream's monitor, as the fields were when the stream held them.
 */
final class StreamOverflow {
    /** Sends queued beyond this mean the session does not wait for {@code send}: it gets an error. */
    static final int MAX_WAITING_SENDS = 1024;

    record PendingSend(ByteBuf message, CompletableFuture<Void> done) {}

    /** Unread messages after the oldest (which the stream holds itself); made by the first connection to queue two. */
    private ArrayDeque<ByteBuf> unread;
    /** Sends that wait for room; made by the first send that has to wait. */
    private ArrayDeque<PendingSend> waiting;
    /** A {@link SessionContext#receive()} waiting. */
    CompletableFuture<ByteBuf> receiver;
    /** Created by the first {@link NetworkStream#closeFuture()} call; completed by the pump once the stream ended. */
    CompletableFuture<CloseReason> closed;
    /** Why the stream ended, once it has. */
    CloseReason closeReason;
    /** An outbound connection's open, until the broker has read its outcome. */
    CompletableFuture<NetworkStream> opened;

    /** Whether it holds nothing: the stream may drop it. */
    boolean isEmpty() {
        return unreadCount() == 0 && noneWaiting() && receiver == null && closed == null && closeReason == null
                && opened == null;
    }

    // ------------------------------------------------------------------ unread messages

    void addUnread(ByteBuf m) {
        if (unread == null) {
            unread = new ArrayDeque<>(2);
        }
        unread.add(m);
    }

    /** The next unread message after the oldest, or null. */
    ByteBuf pollUnread() {
        return unread == null ? null : unread.poll();
    }

    int unreadCount() {
        return unread == null ? 0 : unread.size();
    }

    // ------------------------------------------------------------------ waiting sends

    boolean noneWaiting() {
        return waiting == null || waiting.isEmpty();
    }

    /**
     * Queues a send until the stream has room.
     *
     * @return its stage, or a failed one (the message released) when {@link #MAX_WAITING_SENDS} wait already
     */
    CompletionStage<Void> wait(ByteBuf message, Object stream) {
        if (waiting == null) {
            waiting = new ArrayDeque<>(2);
        }
        if (waiting.size() >= MAX_WAITING_SENDS) {
            message.release();
            return CompletableFuture.failedStage(new IllegalStateException(MAX_WAITING_SENDS
                    + " sends are waiting on " + stream + ": wait for send() to complete before sending more"));
        }
        PendingSend p = new PendingSend(message, new CompletableFuture<>());
        waiting.add(p);
        return p.done;
    }

    /** The oldest waiting send; call only when {@link #noneWaiting()} is false. */
    PendingSend peekWaiting() {
        return waiting.peek();
    }

    void pollWaiting() {
        waiting.poll();
    }

    /** The stream ended: releases the waiting sends' messages (their futures fail in the pump). */
    void releaseWaiting() {
        if (waiting != null) {
            for (PendingSend p : waiting) {
                if (p.message.refCnt() > 0) { // unless the session broke the rule and released it itself
                    p.message.release();
                }
            }
        }
    }

    /** After the pump's monitor: completes the sends it moved (a failed one's message is released already). */
    static void completeSends(List<CompletableFuture<Void>> sent, List<PendingSend> failed, CloseReason ended,
                              RuntimeException sendError) {
        if (sent != null) {
            sent.forEach(f -> f.complete(null));
        }
        if (failed != null) {
            for (PendingSend p : failed) { // messages were released by onClosed or by trySend
                p.done.completeExceptionally(ended != null ? new SessionClosedException(ended)
                        : sendError != null ? sendError : new IllegalStateException("send failed"));
            }
        }
    }

    // ------------------------------------------------------------------ unread messages, static helpers

    /** Under the stream's monitor: {@code first} and every unread message after it, oldest first. */
    static List<ByteBuf> drain(ByteBuf first, StreamOverflow o) {
        List<ByteBuf> all = new ArrayList<>(1 + (o == null ? 0 : o.unreadCount()));
        all.add(first);
        for (ByteBuf m; o != null && (m = o.pollUnread()) != null; ) {
            all.add(m);
        }
        return all;
    }

    /** Releases messages the session will never read, returning their flow-control credit. */
    static void releaseUnread(List<ByteBuf> unread, MuxStream s) {
        for (ByteBuf m : unread) {
            int length = m.readableBytes();
            m.release();
            if (s != null) {
                s.consumed(length);
            }
        }
    }
}
