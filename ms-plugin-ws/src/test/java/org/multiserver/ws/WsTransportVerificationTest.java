package org.multiserver.ws;

import java.util.List;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.TransportVerification;

/** The kit's transport rules against ws (no half-close: rule T4_2 applies, T4_1 is skipped). */
class WsTransportVerificationTest extends TransportVerification {

    @Override
    protected TransportProvider provider() {
        return new WsTransportProvider();
    }

    @Override
    protected List<String> malformedAddresses() {
        return List.of("ws://localhost:notaport", "ws://localhost:0", "ws://:8989", "ws://[::1:8989",
                "ws://::1:8989", "ws://user@host:1", "ws://host:1/path#fragment", "ws:host", "ws:null", "ws",
                "ws://ho*st:443", "ws://host:99999/x");
    }

    @Override
    protected List<String> validAddresses() {
        return List.of("ws://localhost:8989", "ws://localhost", "wss://example.com", "wss://example.com:8443/ssb",
                "ws://[::1]:8989", "ws:127.0.0.1:8989", "ws:::1:8989", "ws://example.com:80/a/b?c=d");
    }
}
