/**
 * The {@code http2} contender: Netty codec-http2, one connection, one HTTP/2 stream per benchmark
 * stream as {@code Http2MultiplexHandler} child channels; length-prefixed messages inside DATA frames.
 *
 * <p>Threading: the connection and all its child channels run on one event loop per side; the sender's
 * pass runs on the client loop.
 */
package io.chainmux.bench.http2;
