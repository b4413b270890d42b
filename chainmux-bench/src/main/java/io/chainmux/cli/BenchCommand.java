package io.chainmux.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code chainmux bench}: loopback benchmarks. */
@Command(name = "bench",
        description = "Loopback benchmarks (127.0.0.1 only), and a simulation of peer selection at scale (no sockets).",
        subcommands = {
                CompareCommand.class,
                MuxBenchCommand.class,
                EndpointBenchCommand.class,
                ScaleBenchCommand.class,
                SimCommand.class,
        })
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand");
    }
}
