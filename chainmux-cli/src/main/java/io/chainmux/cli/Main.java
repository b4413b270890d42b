package io.chainmux.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Entry point of {@code chainmux} (the node's jar). Subcommands are classes listed here, and {@code bench},
 * which lives in chainmux-bench so that the node's jar carries no benchmark-only dependency: here it only
 * says where the benchmarks are; {@code BenchMain} (chainmux-bench.jar, which {@code bin/chainmux bench}
 * runs) puts the real one in its place.
 */
@Command(name = "chainmux", mixinStandardHelpOptions = true, version = "chainmux 0.1.0-SNAPSHOT",
        description = "Many logical P2P networks over a few shared, multiplexed TCP connections.",
        scope = CommandLine.ScopeType.INHERIT, // --help and --version on every subcommand
        subcommands = {DemoCommand.class, NodeCommand.class, PingCommand.class, PeersCommand.class,
                DemoNodeCommand.class})
public final class Main implements Runnable {
    /** Exit code of a run that failed (bad option values exit with picocli's usage code, 2). */
    public static final int EXIT_FAILURE = 1;

    @Spec
    CommandSpec spec;

    @Option(names = "--log-level", paramLabel = "LEVEL", scope = CommandLine.ScopeType.INHERIT,
            description = "Log level on stderr: error, warn, info, debug or trace (default: info).")
    void logLevel(String level) {
        Level l = Level.toLevel(level, null);
        if (l == null || !List.of("error", "warn", "info", "debug", "trace").contains(level.toLowerCase(Locale.ROOT))) {
            throw new ParameterException(spec.commandLine(), "--log-level must be error, warn, info, debug or trace, got '"
                    + level + "'");
        }
        ((Logger) LoggerFactory.getLogger("io.chainmux")).setLevel(l);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The command line with one-line error messages for bad input and for failed runs. */
    public static CommandLine newCommandLine() {
        return newCommandLine(new BenchElsewhere());
    }

    /** The command line with {@code bench} as the given command (BenchMain's: the benchmarks). */
    public static CommandLine newCommandLine(Object bench) {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand("bench", bench);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage() + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            err.flush();
            return ex.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            String message = ex instanceof CliFailure || ex.getMessage() != null ? ex.getMessage() : ex.toString();
            err.println("error: " + message);
            err.flush();
            return EXIT_FAILURE;
        });
        return cl;
    }
}
