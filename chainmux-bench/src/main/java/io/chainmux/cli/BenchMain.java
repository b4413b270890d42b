package io.chainmux.cli;

import picocli.CommandLine;

/**
 * Entry point of chainmux-bench.jar, which {@code bin/chainmux bench ...} runs: the whole {@code chainmux}
 * command with the real {@code bench} commands (the node's jar has only a pointer here, so it carries no
 * benchmark-only dependency).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** {@link Main#newCommandLine()} with the benchmarks as {@code bench}. */
    public static CommandLine newCommandLine() {
        return Main.newCommandLine(new BenchCommand());
    }
}
