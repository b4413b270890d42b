package io.chainmux.wire;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Keeps the tables of docs/PROTOCOL.md identical to the wire constants in code. */
class ProtocolDocTest {
    private static final Path DOC = Path.of("..", "docs", "PROTOCOL.md");
    private static List<String> lines;

    @BeforeAll
    static void load() throws Exception {
        lines = Files.readAllLines(DOC);
    }

    private static List<Matcher> rows(String regex) {
        Pattern p = Pattern.compile(regex);
        List<Matcher> out = new ArrayList<>();
        for (String line : lines) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                out.add(m);
            }
        }
        return out;
    }

    private static String hex(int code) {
        return "0x" + Integer.toHexString(code).toUpperCase();
    }

    @Test
    void errorCodeTableMatchesErrorCode() {
        List<String> doc = rows("\\| (0x[0-9A-F]+) \\| ([A-Z_]+) \\| (both|connection|stream) \\| (.+) \\|").stream()
                .map(m -> m.group(1) + " " + m.group(2) + " " + m.group(4)).toList();
        List<String> code = Arrays.stream(ErrorCode.values()).filter(ErrorCode::onWire)
                .map(c -> hex(c.code) + " " + c.name() + " " + c.description).toList();
        assertThat(doc).containsExactlyElementsOf(code);

        List<String> local = rows("\\| (0x[0-9A-F]+) \\| ([A-Z_]+) \\| ([^|]+) \\|").stream()
                .map(m -> m.group(1) + " " + m.group(2) + " " + m.group(3)).toList();
        List<String> localCode = Arrays.stream(ErrorCode.values()).filter(c -> !c.onWire())
                .map(c -> hex(c.code) + " " + c.name() + " " + c.description).toList();
        assertThat(local).containsExactlyElementsOf(localCode);
    }

    @Test
    void frameTypeTableMatchesFrameType() {
        List<String> doc = rows("\\| ([A-Z_]+) \\| (0x[0-9A-F]) \\| .*").stream()
                .map(m -> m.group(2) + " " + m.group(1)).toList();
        List<String> code = Arrays.stream(FrameType.values()).map(t -> hex(t.code) + " " + t.name()).toList();
        assertThat(doc).containsExactlyElementsOf(code);
    }

    @Test
    void settingsTableMatchesSettingId() {
        List<String> doc = rows("\\| (0x[0-9A-F]) \\| ([A-Z_]+) \\| ([0-9,]+) \\| \\[([0-9,]+), ([^\\]]+)\\] \\| .*")
                .stream().map(m -> m.group(1) + " " + m.group(2) + " " + m.group(3).replace(",", "") + " ["
                        + m.group(4).replace(",", "") + ", " + m.group(5).replace(",", "") + "]").toList();
        List<String> code = Arrays.stream(SettingId.values()).map(s -> hex(s.id) + " " + s.name() + " "
                + s.defaultValue + " [" + s.min + ", " + (s.max == Integer.MAX_VALUE ? "2^31-1" : s.max) + "]").toList();
        assertThat(doc).containsExactlyElementsOf(code);
    }
}
