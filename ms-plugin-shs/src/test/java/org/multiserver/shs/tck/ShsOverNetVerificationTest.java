package org.multiserver.shs.tck;

import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.TransportProvider;

/** The same rules over real TCP, where reads split and merge freely. */
class ShsOverNetVerificationTest extends ShsTransformVerificationTest {
    @Override
    protected TransportProvider transport() {
        return new NetTransportProvider();
    }
}
