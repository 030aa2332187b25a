package org.multiserver.net.tck;

import java.util.List;
import org.multiserver.net.NetTransportProvider;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.TransportVerification;

/** The {@code net} transport against every transport rule of the kit (ms-tck/RULES.md), on loopback. */
class NetTransportVerificationTest extends TransportVerification {
    @Override
    protected TransportProvider provider() {
        return new NetTransportProvider();
    }

    @Override
    protected List<String> malformedAddresses() {
        return List.of(
                "net",                      // no host, no port
                "net:127.0.0.1",            // no port
                "net:127.0.0.1:notaport",   // port not a number
                "net:127.0.0.1:65536",      // port out of range
                "net:127.0.0.1:0",          // port 0 cannot be dialled
                "net:[::1:8008",            // unbalanced bracket
                "net:host!~name:8008");     // a '~' has no place in a host name
    }

    @Override
    protected List<String> validAddresses() {
        return List.of("net:localhost:8008", "net:127.0.0.1:1", "net:::1:8008", "net:[::1]:8008",
                "net:fe80::1:65535", "net:example.com:443");
    }
}
