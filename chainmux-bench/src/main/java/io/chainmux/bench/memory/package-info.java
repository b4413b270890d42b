/** Heap per idle stream: what a stream that carries nothing costs the mux layer. */
package io.chainmux.bench.memory;
