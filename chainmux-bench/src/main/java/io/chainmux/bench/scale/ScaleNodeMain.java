package io.chainmux.bench.scale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmux.endpoint.PeerAddress;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node under test's process. Options {@code --dir=DIR --mode=shared|unshared --chains=N --degree=D
 * --ping-degree=D --stripes=K --block-size=B --msg-rate=R --msg-size=S [--sending] [--phase=NAME]}. Prints
 * {@code {"ready":"id@host:port"}}, then answers one JSON line per command read from stdin:
 *
 * <pre>
 * connect ADDR,ADDR...   {"ok":"connect"}      add peers (sticky) to the peer database
 * status                 {"status":{...}}      degree, connections, heights, sessions, small messages
 * measure                {"memory":{...}}      heap after full GCs (the least of four), direct memory, threads
 * latency                {"latency":{...}}     small-message round trips per phase
 * samples PHASE          {"samples":[...]}     that phase's round trips one by one: [sent_s, rtt, out, back ms]
 * sending on|off         {"ok":"sending"}      the small-message network sends, or is quiet
 * phase NAME             {"ok":"phase"}        round trips from now on count into phase NAME
 * cut                    {"cut":N}             closes every TCP connection at once (N of them)
 * exit                   {"ok":"exit"}         closes the node (saving its peer database) and exits
 * </pre>
 * Logs go to stderr; stdout carries only these lines. A command that fails answers {"error":"..."}.
 */
public final class ScaleNodeMain {
    static final ObjectMapper JSON = new ObjectMapper();

    private ScaleNodeMain() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err); // whatever a library prints goes to the log, not into the protocol
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            o.put(eq < 0 ? a : a.substring(0, eq), eq < 0 ? "true" : a.substring(eq + 1));
        }
        NodeUnderTest node = new NodeUnderTest(ScaleMode.valueOf(o.get("--mode").toUpperCase(java.util.Locale.ROOT)),
                Integer.parseInt(o.get("--chains")), Integer.parseInt(o.get("--degree")),
                Integer.parseInt(o.get("--ping-degree")), Integer.parseInt(o.get("--stripes")),
                Integer.parseInt(o.get("--block-size")), Double.parseDouble(o.get("--msg-rate")),
                Integer.parseInt(o.get("--msg-size")), Path.of(o.get("--dir")));
        int code = 0;
        try {
            node.sending(o.containsKey("--sending"));
            if (o.containsKey("--phase")) {
                node.phase(o.get("--phase"));
            }
            send(out, Map.of("ready", node.address().toString()));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split(" ", 2);
                try {
                    switch (w[0]) {
                        case "connect" -> {
                            List<PeerAddress> peers = new ArrayList<>();
                            for (String a : w[1].split(",")) {
                                peers.add(PeerAddress.parse(a));
                            }
                            node.connect(peers);
                            send(out, Map.of("ok", "connect"));
                        }
                        case "status" -> send(out, Map.of("status", node.status()));
                        case "measure" -> send(out, Map.of("memory", node.measure()));
                        case "latency" -> send(out, Map.of("latency", node.latencies()));
                        case "samples" -> send(out, Map.of("samples", node.samples(w[1])));
                        case "sending" -> {
                            node.sending(w[1].equals("on"));
                            send(out, Map.of("ok", "sending"));
                        }
                        case "phase" -> {
                            node.phase(w[1]);
                            send(out, Map.of("ok", "phase"));
                        }
                        case "cut" -> send(out, Map.of("cut", node.cut()));
                        case "exit" -> {
                            node.close();
                            send(out, Map.of("ok", "exit"));
                            return;
                        }
                        default -> throw new IllegalArgumentException("unknown command '" + line + "'");
                    }
                } catch (RuntimeException e) {
                    send(out, Map.of("error", String.valueOf(e)));
                    code = 1;
                    return;
                }
            }
        } finally {
            node.close();
            out.flush();
            System.exit(code);
        }
    }

    private static void send(PrintStream out, Map<String, ?> line) {
        try {
            out.println(JSON.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
