package io.chainmux.node.demo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How the coordinator and a node process talk: commands as text lines on the node's stdin, answers
 * as one JSON object per line on its stdout ({@link Line}). The node's logs go to its stderr. When its
 * stdin closes (the coordinator ended, however), the node shuts down.
 *
 * <pre>
 * node  -> {"produced":40}                              while it produces its chains (chains done so far)
 * node  -> {"ready":"cm...@127.0.0.1:40123"}              once, when it listens and has joined every network
 * coord -> report                                        node -> {"report":{...}}
 * coord -> phase CATCHUP                                 (no answer)
 * coord -> stop-gossip                                   (no answer)
 * coord -> final                                         node -> {"verified":40} ... (chains verified so far)
 *                                                        node -> {"report":{..., "fin":{...}}}
 * coord -> exit                                          node closes and exits 0
 * node  -> {"error":"..."}                               a command it could not run; it then exits 1
 * </pre>
 */
final class ChildProtocol {
    static final String REPORT = "report";
    static final String PHASE = "phase";
    static final String STOP_GOSSIP = "stop-gossip";
    static final String FINAL = "final";
    static final String EXIT = "exit";

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ChildProtocol() {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Line(Integer produced, Integer verified, String ready, NodeReport report, String error) {
        static Line produced(int chains) {
            return new Line(chains, null, null, null, null);
        }

        static Line verified(int chains) {
            return new Line(null, chains, null, null, null);
        }

        static Line ready(String address) {
            return new Line(null, null, address, null, null);
        }

        static Line of(NodeReport r) {
            return new Line(null, null, null, r, null);
        }

        static Line error(String message) {
            return new Line(null, null, null, null, message);
        }

        String toJson() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write a status line: " + e.getMessage(), e);
            }
        }

        /** @throws IllegalArgumentException if {@code text} is not a status line */
        static Line parse(String text) {
            try {
                return JSON.readValue(text, Line.class);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("not a status line: " + abbreviate(text), e);
            }
        }
    }

    /** Whether a line of the node's stdout is one of its answers (a JSON object), not other output. */
    static boolean isStatusLine(String text) {
        return text.startsWith("{");
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
