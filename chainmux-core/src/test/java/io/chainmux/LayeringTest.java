package io.chainmux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Dependencies between the layers of chainmux-core point down only (docs/ARCHITECTURE.md). */
class LayeringTest {
    /** Each layer's rank: a class may import from its own rank or below. */
    private static final Map<String, Integer> RANK = Map.of(
            "config", 0, "wire", 1, "mux", 2, "endpoint", 3, "broker", 4, "p2p", 5); // chaindb is chainmux-chaindb
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.chainmux\\.(\\w+)\\.", Pattern.MULTILINE);
    private static final Path SOURCES = Path.of("src/main/java/io/chainmux");

    @Test
    void everyLayerImportsOnlyItselfAndTheLayersBelow() throws IOException {
        List<String> upward = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.walk(SOURCES)) {
            for (Path file : paths.filter(p -> p.toString().endsWith(".java")).toList()) {
                String layer = SOURCES.relativize(file).getName(0).toString();
                assertThat(RANK).as("layer of %s is known to this test", file).containsKey(layer);
                files++;
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String target = m.group(1);
                    assertThat(RANK).as("layer %s imported by %s", target, file).containsKey(target);
                    if (RANK.get(target) > RANK.get(layer)) {
                        upward.add(file + " imports " + layer + " -> " + target);
                    }
                }
            }
        }
        assertThat(files).as("source files read").isGreaterThan(50);
        assertThat(upward).as("imports that point up a layer").isEmpty();
    }
}
