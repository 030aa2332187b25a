package org.multiserver.shs2.tck;

import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.TransportProvider;

/** The same rules over real TCP on loopback, where reads split and merge as the kernel likes. */
class Shs2OverNetVerificationTest extends Shs2TransformVerificationTest {
    @Override
    protected TransportProvider transport() {
        return new NetTransportProvider();
    }
}
