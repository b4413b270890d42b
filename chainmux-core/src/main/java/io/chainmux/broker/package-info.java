/**
 * The connection broker: sits on top of the {@link io.chainmux.endpoint.Endpoint} and matches
 * streams to the logical P2P networks registered on the node. Inbound
 * opens are routed by {@link io.chainmux.broker.NetworkId}; outbound opens reuse the peer's existing
 * connection and dial only when there is none. Each stream gets a
 * {@link io.chainmux.broker.NetworkStream}, the {@link io.chainmux.broker.SessionContext} a session
 * runs on.
 *
 * <p>Threading: endpoint and stream callbacks arrive on Netty event loops; the broker does only
 * bookkeeping there and hands everything else to the network's {@link
 * io.chainmux.broker.SerialExecutor}: one per network, all sharing one bounded worker pool. A
 * network's handler, its sessions' continuations and its state run serially on that executor, so a
 * slow network delays only itself. Nothing here blocks an event loop.
 */
package io.chainmux.broker;
