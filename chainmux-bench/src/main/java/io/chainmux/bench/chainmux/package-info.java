/** The chainmux contender: the multiplexer itself over one loopback TCP connection. */
package io.chainmux.bench.chainmux;
