package io.chainmux.node;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;

/**
 * What every service exports besides its own figures: JVM memory, GC, threads and classes, process
 * CPU, uptime and open files (Micrometer's binders), and {@code chainmux_build_info}, a constant 1
 * whose labels say which version and Java runs.
 */
public final class ProcessMetrics {
    /** The version in the jar's manifest, or "dev" when run from classes. */
    public static final String VERSION = version();

    private ProcessMetrics() {}

    /** A registry for a node's metrics, with Micrometer's names made to pass {@code promtool check metrics}. */
    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        r.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time")); // in ns; process_cpu_usage stays
        r.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) { // a gauge must not end in _count
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
            }
        });
        return r;
    }

    /** Binds them; the GC binder is returned so the caller can close it with the node. */
    public static AutoCloseable bind(PrometheusMeterRegistry r) {
        new JvmMemoryMetrics().bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ClassLoaderMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        new UptimeMetrics().bindTo(r);
        new FileDescriptorMetrics().bindTo(r);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(r);
        // An info metric (chainmux_build_info 1 with labels) needs the Prometheus client: Micrometer drops "_info".
        Info.builder().name("chainmux_build_info").help("The chainmux version and the Java runtime this node runs")
                .labelNames("version", "java").register(r.getPrometheusRegistry())
                .setLabelValues(VERSION, System.getProperty("java.runtime.version", "unknown"));
        return gc;
    }

    private static String version() {
        String v = ProcessMetrics.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
