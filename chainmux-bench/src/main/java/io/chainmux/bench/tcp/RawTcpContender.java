package io.chainmux.bench.tcp;

import io.chainmux.bench.Contender;
import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Meter;

/**
 * The physical limit: one TCP connection, 4-byte length-prefixed messages packed into pooled direct
 * buffers with one flush per event-loop pass; with several streams the stream index travels in the
 * payload and each stream keeps its own sequence numbers.
 */
public final class RawTcpContender implements Contender {
    public static final String NAME = "raw-tcp";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Running start(Workload workload, Meter meter) throws Exception {
        return TcpRig.start(NAME, workload, meter, false);
    }
}
