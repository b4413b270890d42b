package io.chainmux.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.util.List;

/**
 * {@code chainmux bench} in the node's jar: the benchmarks and their dependencies (gRPC, HTTP/2, JMH) are in
 * chainmux-bench.jar, which {@code bin/chainmux bench ...} runs. Here the command only says so (exit 2).
 */
@Command(name = "bench", description = "Loopback benchmarks and the peer-selection simulation: in chainmux-bench.jar, "
        + "run them with 'bin/chainmux bench ...'.")
final class BenchElsewhere implements Runnable {
    /** Where the benchmarks are, relative to the checkout. */
    static final String BENCH_JAR = "chainmux-bench/target/chainmux-bench.jar";

    @Spec
    CommandSpec spec;

    @Unmatched
    List<String> args;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "the bench commands are not in the node's jar: run 'bin/chainmux bench"
                + (args == null || args.isEmpty() ? "" : " " + String.join(" ", args)) + "' (" + BENCH_JAR + ")");
    }
}
