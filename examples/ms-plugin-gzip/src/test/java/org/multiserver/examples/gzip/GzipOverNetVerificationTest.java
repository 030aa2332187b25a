package org.multiserver.examples.gzip;

import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.TransportProvider;

/** The same rules over TCP on loopback, where reads split and merge bytes as they please. */
class GzipOverNetVerificationTest extends GzipTransformVerificationTest {
    @Override
    protected TransportProvider transport() {
        return new NetTransportProvider();
    }
}
