package io.chainmux.testing;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.lang.reflect.Field;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

/**
 * The leak check really fails a test class: the fixtures below are run through the JUnit Platform
 * {@link EngineTestKit} (surefire skips nested classes), with the same auto-detection setting as the
 * build, so the deliberate leak fails its fixture and not this test.
 */
class LeakDetectionExtensionTest {
    private static final String AUTODETECT = "junit.jupiter.extensions.autodetection.enabled";

    @Test
    void theRecordingFactoryMadeNettysBufferLeakDetector() throws ReflectiveOperationException {
        ByteBufAllocator.DEFAULT.buffer(1).release();
        Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
        f.setAccessible(true);
        assertThat(f.get(null)).isInstanceOf(RecordingLeakDetector.class);
        assertThat(RecordingLeakDetectorFactory.recordsBufferLeaks()).isTrue();
    }

    /** Needs the parent pom's surefire configurationParameters (an IDE run without them fails here). */
    @Test
    void theExtensionIsAutoDetectedForThisClass() {
        assertThat(LeakDetectionExtension.CLASSES_SEEN).contains(LeakDetectionExtensionTest.class);
    }

    @Test
    void aDroppedBufferFailsItsTestClassWithWhereItWasCreated() {
        EngineExecutionResults results = run(LeakyFixture.class);

        results.testEvents().assertStatistics(s -> s.succeeded(1).failed(0)); // the leak is found after it
        results.containerEvents().assertThatEvents().haveExactly(1, event(container(LeakyFixture.class),
                finishedWithFailure(instanceOf(AssertionError.class),
                        message(m -> m.contains("1 leak(s) reported by Netty during " + LeakyFixture.class.getName())
                                && m.contains("LEAK: ByteBuf.release() was not called")
                                && m.contains("Created at:")
                                && m.contains(LeakyFixture.class.getName() + ".leakOne(")))));
        assertThat(LeakCheck.takeRecords()).as("the fixture's check consumed its leak").isEmpty();
    }

    @Test
    void aReleasedBufferPasses() {
        EngineExecutionResults results = run(CleanFixture.class);

        results.testEvents().assertStatistics(s -> s.succeeded(1).failed(0));
        results.containerEvents().assertStatistics(s -> s.failed(0));
        results.containerEvents().assertThatEvents()
                .haveExactly(1, event(container(CleanFixture.class), finishedSuccessfully()));
    }

    private static EngineExecutionResults run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter(AUTODETECT, "true")
                .selectors(selectClass(fixture))
                .execute();
    }

    /** Run only through {@link #run}: leaks one buffer on purpose (Netty logs it at ERROR). */
    static class LeakyFixture {
        @Test
        void dropsABuffer() {
            ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID); // track it even if sampling
            try {
                leakOne();
            } finally {
                ResourceLeakDetector.setLevel(before);
            }
        }

        private static void leakOne() {
            ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(8);
            b.writeLong(42L);
        }
    }

    /** Run only through {@link #run}: allocates and releases. */
    static class CleanFixture {
        @Test
        void releasesItsBuffer() {
            ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(8);
            b.writeLong(42L);
            assertThat(b.release()).isTrue();
        }
    }
}
