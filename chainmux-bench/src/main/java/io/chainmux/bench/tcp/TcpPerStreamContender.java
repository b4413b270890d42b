package io.chainmux.bench.tcp;

import io.chainmux.bench.Contender;
import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Meter;

/**
 * One TCP connection per stream (S sockets), same framing as {@code raw-tcp}; each socket gets an
 * equal share of every event-loop pass and flushes once per pass.
 */
public final class TcpPerStreamContender implements Contender {
    public static final String NAME = "tcp-per-stream";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Running start(Workload workload, Meter meter) throws Exception {
        return TcpRig.start(NAME, workload, meter, true);
    }
}
