/**
 * Test support shared by every module (published in chainmux-core's test-jar): makes a buffer leak
 * that Netty's detector reports fail the test class during which it was reported.
 * {@link io.chainmux.testing.LeakDetectorInstaller} (a JUnit {@code LauncherSessionListener}) installs
 * {@link io.chainmux.testing.RecordingLeakDetectorFactory} before any test runs; the auto-detected
 * {@link io.chainmux.testing.LeakDetectionExtension} checks after each test class with
 * {@link io.chainmux.testing.LeakCheck}. Thread-safe; leaks are attributed to a test class only while
 * test classes run one at a time (the build does not run them in parallel).
 */
package io.chainmux.testing;
