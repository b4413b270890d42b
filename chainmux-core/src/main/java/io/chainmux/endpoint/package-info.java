/**
 * The endpoint: TCP transport (epoll or NIO), node identity handshake (optionally inside TLS 1.3),
 * and one {@link io.chainmux.endpoint.PeerConnection} per physical peer made of K striped
 * multiplexed connections, with crossed-dial resolution, reconnect with backoff, keepalive, and
 * inbound connection limits.
 *
 * <p>Threading: each TCP connection is confined to one event loop; a peer's stripes may live on
 * different loops, so per-peer state is guarded by the {@code PeerConnection} monitor (only when
 * connections come and go). {@link io.chainmux.endpoint.EndpointListener} callbacks run on event
 * loops, outside that monitor, and must not block; a callback that throws, like a timer task of the
 * endpoint's, is contained by {@code Endpoint.runContained} and only logged.
 */
package io.chainmux.endpoint;
