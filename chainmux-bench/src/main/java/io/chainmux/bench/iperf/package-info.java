/** iperf3, the kernel's own figure for one TCP stream over loopback, as an external reference row. */
package io.chainmux.bench.iperf;
