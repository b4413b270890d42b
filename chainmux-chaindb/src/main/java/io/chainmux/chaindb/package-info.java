/**
 * The reference session: an in-memory, append-only, hash-linked block log per chain
 * ({@link io.chainmux.chaindb.ChainDb}) and the chain-database sync protocol over one P2P connection
 * ({@link io.chainmux.chaindb.SyncSession} requests, {@link io.chainmux.chaindb.SyncResponder} serves;
 * wire format in {@code docs/CHAINDB-SYNC.md}, encoded by {@link io.chainmux.chaindb.SyncCodec}).
 *
 * <p>Threading: {@code ChainDb} and {@code SyncStats} are thread-safe: appends are serialised by one
 * lock per chain, reads take no lock (they see every block up to the height they read). A session's
 * state is confined to its {@link io.chainmux.broker.SessionContext#executor()}: every continuation hops
 * onto it, nothing blocks a thread waiting for the network, and a {@code SyncSession} /
 * {@code SyncResponder} instance is stateless, so one instance per chain serves any number of
 * concurrent sessions.
 */
package io.chainmux.chaindb;
