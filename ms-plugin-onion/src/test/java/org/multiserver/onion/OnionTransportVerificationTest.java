package org.multiserver.onion;

import java.util.List;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.TransportVerification;

/**
 * The kit's rules for onion's client side. Serving needs a tor that publishes the service and a network that
 * carries clients to it, which the private Tor network of a later issue provides; here the transport is client-only
 * and the address rules run.
 */
class OnionTransportVerificationTest extends TransportVerification {
    @Override
    protected TransportProvider provider() {
        return new OnionTransportProvider();
    }

    @Override
    protected boolean canListen() {
        return false;
    }

    @Override
    protected List<String> malformedAddresses() {
        String torproject = OnionAddressTest.TORPROJECT;
        return List.of("onion", "onion:" + torproject, "onion:" + torproject + ":0",
                "onion:" + torproject + ":65536", "onion:expyuzz4wqqyqhjn.onion:80",
                "onion:" + torproject.replace("wid.onion", "wie.onion") + ":80", "onion:bad*host:80");
    }

    @Override
    protected List<String> validAddresses() {
        return List.of("onion:" + OnionAddressTest.TORPROJECT + ":8008", "onion:www." + OnionAddressTest.TORPROJECT
                + ":80", "onion:localhost:8008", "onion:::1:8008", "onion:example.com:443");
    }
}
