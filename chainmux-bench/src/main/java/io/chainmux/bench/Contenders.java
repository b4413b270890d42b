package io.chainmux.bench;

import io.chainmux.bench.chainmux.ChainmuxContender;
import io.chainmux.bench.grpc.GrpcContender;
import io.chainmux.bench.http2.Http2Contender;
import io.chainmux.bench.iperf.Iperf3Contender;
import io.chainmux.bench.tcp.RawTcpContender;
import io.chainmux.bench.tcp.TcpPerStreamContender;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every known contender by name, in report order. Adding one is one class plus one line here.
 * {@code raw-tcp} is the baseline that ratios are computed against.
 */
public final class Contenders {
    public static final String BASELINE = RawTcpContender.NAME;

    private static final Map<String, Supplier<Contender>> ALL = new LinkedHashMap<>();
    /** The contenders a comparison runs when none are named. */
    private static final List<String> DEFAULTS = new ArrayList<>();

    static {
        register(RawTcpContender.NAME, RawTcpContender::new, true);
        register(TcpPerStreamContender.NAME, TcpPerStreamContender::new, true);
        register(Http2Contender.NAME, Http2Contender::new, true);
        register(GrpcContender.NAME, GrpcContender::new, true);
        register(ChainmuxContender.NAME, ChainmuxContender::new, true);
        register(ChainmuxContender.ONE_MIB_WINDOW, ChainmuxContender::oneMibWindow, false);
        register(ChainmuxContender.PUSH, ChainmuxContender::push, false);
        register(Iperf3Contender.NAME, Iperf3Contender::new, true);
    }

    private Contenders() {}

    private static void register(String name, Supplier<Contender> factory, boolean byDefault) {
        if (ALL.putIfAbsent(name, factory) != null) {
            throw new IllegalStateException("duplicate contender " + name);
        }
        if (byDefault) {
            DEFAULTS.add(name);
        }
    }

    /** Whether {@code name} is a reference (raw TCP, iperf3) rather than a contender held to a target. */
    public static boolean isReference(String name) {
        return name.equals(BASELINE) || name.equals(Iperf3Contender.NAME);
    }

    /** Every known name, in report order. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(ALL.keySet()));
    }

    /** The names a comparison runs by default: all but the configuration variants. */
    public static List<String> defaults() {
        return Collections.unmodifiableList(DEFAULTS);
    }

    /** @throws IllegalArgumentException naming the known contenders if {@code name} is not one */
    public static Contender create(String name) {
        Supplier<Contender> f = ALL.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown contender '" + name + "'; known: " + String.join(", ", names()));
        }
        return f.get();
    }
}
