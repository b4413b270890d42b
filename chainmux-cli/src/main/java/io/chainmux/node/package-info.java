/**
 * The node as a process: configuration file, metrics (Micrometer, Prometheus format), the admin
 * HTTP interface, and the demo network. Everything here composes the library below; it adds no
 * protocol behaviour.
 *
 * <p>Threading: metrics are read on the admin server's thread from counters the event loops update;
 * reads are racy snapshots, never locks on the hot path.
 */
package io.chainmux.node;
