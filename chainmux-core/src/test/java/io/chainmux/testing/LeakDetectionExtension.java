package io.chainmux.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fails a test class when Netty reports a leaked buffer (or other tracked resource) while it runs.
 * Registered for every test class by JUnit's extension auto-detection
 * ({@code META-INF/services/org.junit.jupiter.api.extension.Extension} in chainmux-core's test-jar, plus
 * {@code junit.jupiter.extensions.autodetection.enabled=true} in the parent pom's surefire config).
 * Runs after the class's own {@code @AfterAll} methods, so resources they close count as released.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterAllCallback {
    static {
        // Second line of defence if the launcher listener was not loaded (e.g. a custom launcher):
        // auto-detected extensions are instantiated before any test class runs.
        RecordingLeakDetectorFactory.install();
    }

    /** Test classes this extension has run for, so a test can prove auto-detection is on. */
    static final Set<Class<?>> CLASSES_SEEN = ConcurrentHashMap.newKeySet();

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getTestClass().ifPresent(CLASSES_SEEN::add);
        LeakCheck.assertRecording();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LeakCheck.assertNoLeaks(context.getTestClass().map(Class::getName).orElse(context.getDisplayName()));
    }
}
