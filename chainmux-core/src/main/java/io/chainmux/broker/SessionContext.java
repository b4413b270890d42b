package io.chainmux.broker;

import io.chainmux.endpoint.identity.PeerId;
import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * What a P2P session ({@code io.chainmux.p2p.Session}) sees of its connection: one bidirectional, message-oriented logical
 * connection to one peer on one network. Non-blocking: sessions do not hold a thread while they
 * wait, so thousands can run on a node.
 *
 * <p>Buffer ownership: {@link #send} takes the message; a message from {@link #receive} belongs to
 * the caller, who releases it.
 */
public interface SessionContext {
    PeerId peer();

    NetworkId network();

    /**
     * Sends one whole message. Completes once the transport accepted it (waiting while the send
     * buffer is full: that is the backpressure); fails if the connection fails or the session ended.
     */
    CompletionStage<Void> send(ByteBuf message);

    /**
     * The next message from the peer, in order. Fails with {@link SessionClosedException} when the
     * peer closed its side, the connection failed, or the session was ended (timeout, limit).
     */
    CompletionStage<ByteBuf> receive();

    /**
     * Sends {@code message}, then waits for the peer's next message: one request/response exchange.
     * Same ownership rules as {@link #send} and {@link #receive}.
     */
    default CompletionStage<ByteBuf> request(ByteBuf message) {
        return send(message).thenCompose(sent -> receive());
    }

    /** Where continuations of this session run: serial per session, never an event loop. */
    Executor executor();

    /** The peer's end of the TCP connection this session runs over, or null if not known. */
    default InetSocketAddress remoteAddress() {
        return null;
    }
}
