/**
 * The {@code grpc} contender: gRPC-java bidi streaming over grpc-netty-shaded, one call per benchmark
 * stream, {@code byte[]} messages through a plain byte-array marshaller (no protobuf).
 *
 * <p>Threading: both sides use {@code directExecutor()}, so call callbacks run on the transport's event
 * loop (one per side), as in gRPC's own benchmarks; nothing in them blocks.
 */
package io.chainmux.bench.grpc;
