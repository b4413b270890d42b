/** Heap per idle stream: what a logical connection that carries nothing costs the mux layer. */
package io.chainmux.bench.memory;
