/**
 * Logical P2P networks on a shared transport: a {@link io.chainmux.p2p.P2pNode} owns the endpoint,
 * the {@link io.chainmux.broker.ConnectionBroker}, the shared {@link io.chainmux.p2p.PeerDb} and one
 * {@link io.chainmux.p2p.P2pNetwork} per network (chain and protocol), plus the
 * {@link io.chainmux.p2p.PeerExchange} network {@code _/peers/1}. Application code is a pair of
 * {@link io.chainmux.p2p.Session}s: the requester a network runs toward its chosen peers, and the
 * responder it runs for peers that connect.
 *
 * <pre>{@code
 * // Ask a peer for its height; a non-number is the peer's fault.
 * Session askHeight = ctx -> ctx.request(ascii("height?")).thenApply(reply -> {
 *     try {
 *         long height = Long.parseLong(reply.toString(US_ASCII));
 *         return SessionOutcome.ok();
 *     } catch (NumberFormatException e) {
 *         return SessionOutcome.misbehaved("height is not a number");
 *     } finally {
 *         reply.release();
 *     }
 * });
 * // Answer every question until the peer closes.
 * Session tellHeight = Session.replying(question -> ascii(Long.toString(chain.height())));
 *
 * P2pNode node = P2pNode.start(NodeConfig.builder(endpointConfig).peerDbFile(Path.of("peers.db"))
 *         .bootstrap(List.of(PeerAddress.parse("cm...@10.0.0.7:7000"))).build());
 * node.join(NetworkId.of("0", "height", 1), NetworkConfig.defaults(), askHeight, tellHeight);
 * }</pre>
 *
 * <p>Threading: sessions never block and hold no thread while they wait; every future a
 * {@link io.chainmux.broker.SessionContext} returns completes on the network's serial executor, where
 * the network's own state lives too, so one network's sessions and bookkeeping run one at a time,
 * and a slow network delays only itself. A session that blocks its thread stalls its network (and
 * takes a worker of the shared pool): don't. {@link io.chainmux.p2p.PeerDb} is shared by all
 * networks and synchronized. Public getters (stats, metrics) are safe from any thread.
 */
package io.chainmux.p2p;
