package io.chainmux.broker;

import io.chainmux.endpoint.identity.PeerId;
import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * What a P2P session ({@code io.chainmux.p2p.Session}) sees of its connection: one bidirectional, message-oriented stream
 * to one peer on one network. Non-blocking: sessions do not hold a thread while they
 * wait, so thousands can run on a node.
 *
 * <p>Buffer ownership follows the one rule of docs/ARCHITECTURE.md ("Failure scope"): {@link #send}
 * (and {@link #request}) takes the message from the call on, whatever happens, sent or failed, and
 * the caller never releases it; a message from {@link #receive} belongs to the caller, who releases
 * it. A bad argument (null, a buffer already released) throws at the call and touches nothing; a
 * call in a state that does not allow it (after {@code finish}, a second pending {@code receive})
 * fails its own future and nothing else.
 */
public interface SessionContext {
    PeerId peer();

    NetworkId network();

    /**
     * Sends one whole message, taking it. Completes once the transport accepted it (waiting while
     * the send buffer is full: that is the backpressure); fails with a {@link SessionClosedException}
     * if the connection fails or the session ended, or with the transport's refusal (a message
     * larger than the peer accepts).
     *
     * @throws IllegalArgumentException if {@code message} was already released
     */
    CompletionStage<Void> send(ByteBuf message);

    /**
     * The next message from the peer, in order. Fails with {@link SessionClosedException} when the
     * peer closed its side, the connection failed, or the session was ended (timeout, limit).
     */
    CompletionStage<ByteBuf> receive();

    /**
     * Like {@link #receive()}, but hands the message (or the failure) to {@code handler}, on
     * {@link #executor()} and never on the calling thread, instead of completing a future. For a
     * session that waits long (a long poll): it holds one callback while it waits, not a future and
     * the stages hanging on it. The caller owns the message as with {@link #receive()}.
     */
    default void receive(BiConsumer<? super ByteBuf, ? super Throwable> handler) {
        receive().whenCompleteAsync(handler, executor());
    }

    /**
     * Sends {@code message}, then waits for the peer's next message: one request/response exchange.
     * Same ownership rules as {@link #send} and {@link #receive}.
     */
    default CompletionStage<ByteBuf> request(ByteBuf message) {
        return send(message).thenCompose(sent -> receive());
    }

    /**
     * Where continuations of this session run: the network's serial executor, shared by every
     * session of the same network (so they never run concurrently with each other, nor with the
     * network's handler), never an event loop. A session that blocks it delays its whole network.
     */
    Executor executor();

    /** The peer's end of the TCP connection this session runs over, or null if not known. */
    default InetSocketAddress remoteAddress() {
        return null;
    }
}
