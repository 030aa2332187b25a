package org.multiserver.bench.shs;

import org.multiserver.bench.HandshakePairBenchmark;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.TransformProvider;

/**
 * A full secret handshake (v1), both sides in one thread: fresh ephemeral keys, the four messages, the box-stream
 * codecs installed. Target on the 2-core reference machine: at most 1.5 ms.
 */
public class HandshakeBenchmark extends HandshakePairBenchmark {
    @Override
    protected TransformProvider provider() {
        return new ShsTransformProvider();
    }
}
