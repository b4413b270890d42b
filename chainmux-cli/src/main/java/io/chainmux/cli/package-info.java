/**
 * The {@code chainmux} command (picocli): {@link io.chainmux.cli.Main} and one class per subcommand.
 *
 * <p>Threading: commands run on the main thread; what they start (benchmarks, nodes) owns its threads.
 */
package io.chainmux.cli;
