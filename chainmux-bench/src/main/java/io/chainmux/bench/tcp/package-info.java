/**
 * Plain TCP contenders with length-prefixed messages: {@code raw-tcp} (one connection, the stream
 * index inside the payload; the physical limit) and {@code tcp-per-stream} (one connection per stream).
 *
 * <p>Threading: all server channels run on the server's single event loop, all client channels on the
 * client's; the harness thread only starts and closes.
 */
package io.chainmux.bench.tcp;
