/**
 * {@code chainmux bench scale}: one node under test, in its own JVM, with many chain networks at their
 * degree against peer nodes on loopback, through the phases form, idle, steady, catch-up and partition
 * heal, in the shared mode (a few multiplexed TCP connections per peer) or the unshared mode (a TCP
 * connection per stream). {@link io.chainmux.bench.scale.ScaleRun} drives it;
 * {@link io.chainmux.bench.scale.ScaleNodeMain} is the node under test's process.
 */
package io.chainmux.bench.scale;
