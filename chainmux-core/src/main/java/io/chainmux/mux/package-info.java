/**
 * The multiplexer: one {@link io.chainmux.mux.MuxConnection} per TCP connection carries many
 * bidirectional, message-oriented {@link io.chainmux.mux.MuxStream}s with per-stream and
 * per-connection credit flow control and a weighted fair write scheduler.
 *
 * <p>Structure: {@code MuxConnection} is the connection's public face and lifecycle (SETTINGS, PING
 * through {@code PingTracker}, GO_AWAY and closing through {@code ConnectionShutdown}) and wires the
 * parts together: {@code InboundFrameHandler} acts on every frame
 * read, {@code OutboundWriter} makes every frame written (the write pass and all framing),
 * {@code ReceiveFlowControl} and {@code SendFlowControl} keep the credit in each direction (the
 * connection's receive credit returns on receipt; memory is bounded by stream credit within the
 * connection's {@code ReceiveBudget}), and
 * {@code StreamRegistry} keeps the streams (ids, stream credit, opens, accepts, ending each exactly
 * once). A stream's state machine lives in {@code MuxStream}, its send admission in
 * {@code StreamOutbox}, its reassembly, delivery and consumption in {@code StreamInbox};
 * {@code MuxHandler} is the Netty glue.
 *
 * <p>Threading: a connection, its parts and its streams' state are confined to its Netty
 * event loop; no locks on the hot path. The public methods of {@code MuxConnection} and
 * {@code MuxStream} may be called from any thread (calls from other threads hop onto the event
 * loop). Listener callbacks ({@link io.chainmux.mux.StreamListener},
 * {@link io.chainmux.mux.ConnectionListener}) run on the event loop and must not block: hand
 * application work to an executor. A failure on the loop, a listener's included, is contained by
 * {@code MuxConnection.contain} as {@code Containment} says. A bad call fails on the caller's thread
 * before anything reaches the loop, and a closed stream or connection refuses calls with a
 * {@link io.chainmux.mux.ClosedException} saying who closed it (docs/ARCHITECTURE.md, "Failure
 * scope"). Loop-only methods check their thread with {@code assert connection.inEventLoop()}.
 */
package io.chainmux.mux;
