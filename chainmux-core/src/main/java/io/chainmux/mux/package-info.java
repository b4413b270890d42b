/**
 * The multiplexer: one {@link io.chainmux.mux.MuxSession} per TCP connection carries many
 * bidirectional, message-oriented {@link io.chainmux.mux.MuxStream}s with per-stream and
 * per-connection credit flow control and a weighted fair write scheduler.
 *
 * <p>Threading: a session and its streams' state are confined to the connection's Netty event
 * loop; no locks on the hot path. The public methods of {@code MuxSession} and {@code MuxStream}
 * may be called from any thread (calls from other threads hop onto the event loop). Listener
 * callbacks ({@link io.chainmux.mux.StreamListener}, {@link io.chainmux.mux.SessionListener}) run on
 * the event loop and must not block: hand application work to an executor.
 */
package io.chainmux.mux;
