package io.chainmux.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's Java blocks are the examples' code, character for character: the block under a README heading
 * equals the lines between {@code // README: HEADING} and {@code // README end} in the example, indentation
 * removed. Edit the example, then copy it into README (or the other way round).
 */
class ReadmeSnippetsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path SOURCES = Path.of("src/main/java/io/chainmux/examples");

    @ParameterizedTest
    @CsvSource({"Writing a session, HeightSessions.java", "Using the transport directly, DirectTransport.java"})
    void readmeBlockIsTheExamplesCode(String heading, String example) throws IOException {
        List<String> code = marked(Files.readAllLines(SOURCES.resolve(example)), heading);
        List<String> readme = javaBlockUnder(Files.readAllLines(ROOT.resolve("README.md")), "## " + heading);
        assertThat(code).as("%s has a README region", example).hasSizeGreaterThan(5);
        assertThat(String.join("\n", readme)).as("README's block under '%s' = %s's marked region", heading, example)
                .isEqualTo(String.join("\n", code));
    }

    static List<String> marked(List<String> lines, String heading) {
        int from = lines.indexOf(lines.stream().filter(l -> l.trim().equals("// README: " + heading)).findFirst()
                .orElseThrow(() -> new AssertionError("no '// README: " + heading + "' marker")));
        List<String> region = new ArrayList<>();
        for (int i = from + 1; i < lines.size() && !lines.get(i).trim().equals("// README end"); i++) {
            region.add(lines.get(i));
        }
        int indent = region.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return region.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
    }

    static List<String> javaBlockUnder(List<String> lines, String heading) {
        int at = lines.indexOf(heading);
        assertThat(at).as("README has the heading '%s'", heading).isNotNegative();
        List<String> block = new ArrayList<>();
        boolean in = false;
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            if (lines.get(i).equals("```java")) {
                in = true;
            } else if (in && lines.get(i).equals("```")) {
                return block;
            } else if (in) {
                block.add(lines.get(i));
            }
        }
        throw new AssertionError("no java block under '" + heading + "'");
    }
}
