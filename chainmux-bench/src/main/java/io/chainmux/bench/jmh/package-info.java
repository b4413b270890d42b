/**
 * JMH micro-benchmarks of chainmux's building blocks (see each class for how to run it).
 *
 * <p>Threading: JMH drives each benchmark from its own threads; state is per thread.
 */
package io.chainmux.bench.jmh;
