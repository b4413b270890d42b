package io.chainmux.chaindb;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Keeps the message table and defaults of docs/CHAINDB-SYNC.md identical to the code. */
class SyncDocTest {
    private static final Path DOC = Path.of("..", "docs", "CHAINDB-SYNC.md");

    @Test
    void messageTableMatchesTheCodec() throws Exception {
        Pattern row = Pattern.compile("\\| 0x(0[0-9]) \\| ([A-Z_]+) \\| .+ \\| ([0-9]+)[^|]* \\|");
        Map<String, String> doc = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DOC)) {
            Matcher m = row.matcher(line);
            if (m.matches()) {
                doc.put(m.group(2), Integer.parseInt(m.group(1), 16) + "/" + m.group(3));
            }
        }
        Map<String, String> code = new LinkedHashMap<>();
        code.put("GET_HEIGHT", SyncCodec.GET_HEIGHT + "/" + SyncCodec.GET_HEIGHT_SIZE);
        code.put("HEIGHT", SyncCodec.HEIGHT + "/" + SyncCodec.HEIGHT_SIZE);
        code.put("GET_BLOCKS", SyncCodec.GET_BLOCKS + "/" + SyncCodec.GET_BLOCKS_SIZE);
        code.put("BLOCKS", SyncCodec.BLOCKS + "/" + SyncCodec.BLOCKS_HEADER_SIZE);
        code.put("ERROR", SyncCodec.ERROR + "/" + SyncCodec.ERROR_HEADER_SIZE);
        code.put("WAIT_HEIGHT", SyncCodec.WAIT_HEIGHT + "/" + SyncCodec.WAIT_HEIGHT_SIZE);
        assertThat(doc).containsExactlyEntriesOf(code);
        String text = Files.readString(DOC);
        assertThat(text).contains("(76 bytes + payload)").contains("text length u16 (<= 512)");
        assertThat(SyncCodec.BLOCK_OVERHEAD).isEqualTo(76);
        assertThat(SyncCodec.MAX_ERROR_TEXT).isEqualTo(512);
    }

    @Test
    void defaultsTableMatchesTheConfig() throws Exception {
        ChainDbConfig d = ChainDbConfig.defaults();
        String text = Files.readString(DOC);
        assertThat(text).contains("| payloadSize | " + d.payloadSize() + " |")
                .contains("| maxPayloadSize | " + d.maxPayloadSize() + " |")
                .contains("| batchBlocks | " + d.batchBlocks() + " |")
                .contains("| maxBatchBytes | " + d.maxBatchBytes() / (1024 * 1024) + " MiB |")
                .contains("| maxInFlightBytes | " + d.maxInFlightBytes() / (1024 * 1024) + " MiB |")
                .contains("| maxFetchersPerChain | " + d.maxFetchersPerChain() + " |")
                .contains("| compactCanonicalPayloads | " + d.compactCanonicalPayloads() + " |");
    }
}
