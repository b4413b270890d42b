/**
 * The engine of {@code chainmux demo}: a local network of {@link io.chainmux.node.demo.DemoNode}s (one
 * chain database and sync network per chain, plus one small-message network), driven by
 * {@link io.chainmux.node.demo.DemoRun}, in this JVM or one process per node
 * ({@link io.chainmux.node.demo.ProcessLauncher}, hidden command {@code demo-node}); the result is a
 * {@link io.chainmux.node.demo.DemoSummary}. See docs/DEMO.md.
 *
 * <p>Threading: the coordinator ({@code DemoRun}) runs on the caller's thread, plus a small pool that
 * starts and verifies nodes in parallel. Sessions run on their network's serial executor (never an
 * event loop); each node has one ticker thread that only hands timer events to those executors.
 * Reports may be taken from any thread.
 */
package io.chainmux.node.demo;
