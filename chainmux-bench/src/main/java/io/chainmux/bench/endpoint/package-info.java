/** Endpoint benchmarks: handshake rate and striped bulk throughput between two nodes on loopback. */
package io.chainmux.bench.endpoint;
