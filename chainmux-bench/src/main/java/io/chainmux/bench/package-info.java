/**
 * Loopback benchmark harness: runs {@link io.chainmux.bench.Contender}s side by side in one JVM on
 * 127.0.0.1, interleaving them round by round ({@link io.chainmux.bench.CompareRun}), and reports
 * medians as a table and as JSON. Contenders live in subpackages and are listed in
 * {@link io.chainmux.bench.Contenders}.
 *
 * <p>Threading: the harness runs on the caller's thread and only sleeps and reads counters while a
 * contender runs; each contender runs its server and its client on their own single-thread event loop.
 */
package io.chainmux.bench;
