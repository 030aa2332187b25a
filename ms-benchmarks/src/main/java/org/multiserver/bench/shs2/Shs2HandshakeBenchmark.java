package org.multiserver.bench.shs2;

import org.multiserver.bench.HandshakePairBenchmark;
import org.multiserver.shs2.Shs2TransformProvider;
import org.multiserver.spi.TransformProvider;

/**
 * A full Secret Handshake v2, both sides in one thread: fresh ephemeral keys, the four messages (64, 64, 144, 80
 * bytes), the Secret Channel codecs installed. Target: no more CPU than shs's {@code HandshakeBenchmark}.
 */
public class Shs2HandshakeBenchmark extends HandshakePairBenchmark {
    @Override
    protected TransformProvider provider() {
        return new Shs2TransformProvider();
    }
}
