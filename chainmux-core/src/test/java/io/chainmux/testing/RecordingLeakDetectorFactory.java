package io.chainmux.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Makes every Netty leak detector a {@link RecordingLeakDetector} and remembers them, so that
 * {@link LeakCheck} can make each one look at what the GC found.
 *
 * <p>Netty creates most detectors in static initialisers (the buffers' one when
 * {@code AbstractByteBuf} is initialised, i.e. at the first buffer allocation in the JVM), so
 * {@link #install()} must run before that: {@link LeakDetectorInstaller} does it when the JUnit launcher
 * session opens, before any test class is loaded.
 */
public final class RecordingLeakDetectorFactory extends ResourceLeakDetectorFactory {
    private static final RecordingLeakDetectorFactory INSTANCE = new RecordingLeakDetectorFactory();

    /** Weak: a detector Netty drops (per-instance ones) should not be kept alive by the tests. */
    private final List<WeakReference<ResourceLeakDetector<?>>> detectors = new CopyOnWriteArrayList<>();
    private final Set<Class<?>> resourceTypes = ConcurrentHashMap.newKeySet();

    private RecordingLeakDetectorFactory() {}

    /** Installs the recording factory for the whole JVM; idempotent. */
    public static synchronized void install() {
        if (ResourceLeakDetectorFactory.instance() != INSTANCE) {
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(INSTANCE);
        }
    }

    /** Whether Netty's buffer leak detector was made by this factory, i.e. buffer leaks get recorded. */
    public static boolean recordsBufferLeaks() {
        return INSTANCE.resourceTypes.contains(io.netty.buffer.ByteBuf.class);
    }

    static List<ResourceLeakDetector<?>> detectors() {
        List<ResourceLeakDetector<?>> live = new ArrayList<>();
        for (WeakReference<ResourceLeakDetector<?>> ref : INSTANCE.detectors) {
            ResourceLeakDetector<?> d = ref.get();
            if (d == null) {
                INSTANCE.detectors.remove(ref);
            } else {
                live.add(d);
            }
        }
        return live;
    }

    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                               long maxActive) {
        RecordingLeakDetector<T> d = new RecordingLeakDetector<>(resource, samplingInterval, maxActive);
        detectors.add(new WeakReference<>(d));
        resourceTypes.add(resource);
        return d;
    }

    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
        return newResourceLeakDetector(resource, samplingInterval, Long.MAX_VALUE);
    }
}
