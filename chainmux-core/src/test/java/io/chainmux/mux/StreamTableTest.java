package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The streams-by-id table: agrees with a map through random opens and ends, growth and deletion included. */
class StreamTableTest {

    private static MuxStream stream(int id) {
        MuxStream s = new MuxStream(null, id % 2 == 1, "net", 1);
        s.id(id);
        return s;
    }

    @Test
    void agreesWithAMapThroughRandomChurn() {
        for (int seed = 0; seed < 20; seed++) {
            Random r = new Random(seed);
            StreamTable table = new StreamTable();
            Map<Integer, MuxStream> model = new HashMap<>();
            List<Integer> ids = new ArrayList<>();
            int nextId = 1 + r.nextInt(2);
            for (int step = 0; step < 5_000; step++) {
                if (ids.isEmpty() || r.nextInt(100) < 55) { // streams open in id order, by 2, as on a connection
                    MuxStream s = stream(nextId);
                    table.put(s);
                    model.put(nextId, s);
                    ids.add(nextId);
                    nextId += 2;
                } else {
                    int id = ids.remove(r.nextInt(ids.size()));
                    assertThat(table.remove(id)).isSameAs(model.remove(id));
                    assertThat(table.remove(id)).as("removed once").isNull();
                }
                if (step % 97 == 0) {
                    for (Map.Entry<Integer, MuxStream> e : model.entrySet()) {
                        assertThat(table.get(e.getKey())).as("seed %d step %d", seed, step).isSameAs(e.getValue());
                    }
                    assertThat(table.get(nextId)).isNull();
                    assertThat(table).hasSize(model.size()).containsExactlyInAnyOrderElementsOf(model.values());
                }
            }
        }
    }

    @Test
    void aStreamPutAgainUnderItsIdReplacesTheOld() {
        StreamTable table = new StreamTable();
        MuxStream a = stream(7);
        MuxStream b = stream(7);
        table.put(a);
        table.put(b);
        assertThat(table).containsExactly(b);
        assertThat(table.get(7)).isSameAs(b);
    }
}
