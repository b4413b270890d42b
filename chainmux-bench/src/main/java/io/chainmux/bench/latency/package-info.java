/**
 * Round-trip latency: one 64 B message at a time on one stream, echoed by the server, chainmux
 * against raw TCP in the same run ({@code chainmux bench mux}).
 */
package io.chainmux.bench.latency;
