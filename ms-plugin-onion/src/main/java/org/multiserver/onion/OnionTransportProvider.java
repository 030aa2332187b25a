package org.multiserver.onion;

import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/**
 * The {@code onion} transport: {@code onion:{host}:{port}} through tor's SOCKS port, and onion services published
 * through tor's control port. See {@link OnionOptions}.
 */
public final class OnionTransportProvider implements TransportProvider {
    @Override
    public String name() {
        return OnionTransport.NAME;
    }

    /**
     * @throws IllegalArgumentException when an option is malformed ({@code onion.socks} that is no host:port list)
     */
    @Override
    public Transport create(PluginContext context) {
        return new OnionTransport(context);
    }
}
