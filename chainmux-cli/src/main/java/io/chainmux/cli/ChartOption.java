package io.chainmux.cli;

import io.chainmux.bench.chart.BarChart;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a benchmark command draws its chart: {@code --chart FILE}, else next to {@code --json FILE}
 * with the extension swapped for .svg (results.json -> results.svg, results -> results.svg), else nowhere.
 */
final class ChartOption {
    static final String DESCRIPTION = "Also draw the results as an SVG chart in FILE (opens in any browser). "
            + "Default when --json is given: the JSON file's name with .svg instead of .json.";

    private ChartOption() {}

    /** Checked before anything runs, so a long benchmark never ends in an option error. */
    static Path resolve(CommandLine cl, Path chart, Path json) {
        if (chart == null && json == null) {
            return null;
        }
        if (json != null) {
            checkWritable(cl, "--json", json);
        }
        if (chart != null) {
            checkWritable(cl, "--chart", chart);
        }
        if (chart != null) {
            if (json != null && chart.toAbsolutePath().normalize().equals(json.toAbsolutePath().normalize())) {
                throw new ParameterException(cl, "--chart and --json name the same file: " + chart);
            }
            return chart;
        }
        if (json.getFileName() == null) {
            throw new ParameterException(cl, "--json needs a file name, got " + json);
        }
        String name = json.getFileName().toString();
        String svg = (name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name) + ".svg";
        return json.resolveSibling(svg);
    }

    /** An output file's directory must exist and be writable, checked before any work starts. */
    static void checkWritable(CommandLine cl, String option, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file)) {
            throw new ParameterException(cl, option + ": " + file + " is a directory; give a file name");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ParameterException(cl, option + ": directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir) || (Files.exists(file) && !Files.isWritable(file))) {
            throw new ParameterException(cl, option + ": cannot write " + file + " (not writable by this user)");
        }
    }

    static void write(BarChart chart, Path file, PrintWriter err) throws IOException {
        chart.write(file);
        err.println("wrote " + file.toAbsolutePath());
        err.flush();
    }
}
