/**
 * What every contender sends and checks: the message layout ({@link io.chainmux.bench.traffic.Payloads}),
 * the sender's per-stream sequence numbers ({@link io.chainmux.bench.traffic.SendCursor}), the receiver's
 * streaming parser and order check, the receive-side {@link io.chainmux.bench.traffic.Meter}, and the event
 * loop factory.
 *
 * <p>Threading: a cursor belongs to the client event loop; parsers and the sequence checker belong to the
 * server event loop (one thread per run, so they need no locks). The meter is written by the receiver and
 * read by the harness thread.
 */
package io.chainmux.bench.traffic;
