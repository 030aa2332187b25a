package org.multiserver.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes a Netty buffer leak fail the test that caused it (or, when found late, the next one to finish). Netty only
 * logs leaks; this extension installs a detector factory whose detectors record every report, sets the level to
 * PARANOID, and after each test runs the GC a few times and fails if anything was reported.
 *
 * <p>Registered for every test through JUnit's extension auto-detection
 * ({@code junit.jupiter.extensions.autodetection.enabled=true}); use it explicitly with
 * {@code @ExtendWith(NettyLeakDetection.class)} otherwise.
 */
public final class NettyLeakDetection implements BeforeAllCallback, AfterEachCallback {
    private static final List<String> LEAKS = new ArrayList<>();
    private static boolean installed;

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    /** Installs the recording detector factory; idempotent. Call before the first buffer is allocated. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String found = collect();
        if (found != null) {
            throw new AssertionError("Netty reported a leaked buffer during or before "
                    + context.getDisplayName() + ":\n" + found);
        }
    }

    /** Runs the GC so leaked buffers are noticed, then returns and clears what was reported, or null. */
    public static String collect() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            System.runFinalization();
            // Allocating makes the detectors poll their reference queues.
            io.netty.buffer.ByteBuf probe = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
            io.netty.buffer.ByteBuf probe2 = io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.directBuffer(1);
            probe2.release();
        }
        synchronized (LEAKS) {
            if (LEAKS.isEmpty()) {
                return null;
            }
            String all = String.join("\n\n", LEAKS);
            LEAKS.clear();
            return all;
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK: " + resourceType + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK: " + resourceType + " (untraced)");
            super.reportUntracedLeak(resourceType);
        }

        private static void record(String report) {
            synchronized (LEAKS) {
                LEAKS.add(report);
            }
        }
    }
}
