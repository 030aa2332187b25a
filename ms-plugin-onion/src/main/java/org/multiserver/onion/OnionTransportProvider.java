package org.multiserver.onion;

import java.util.List;
import org.multiserver.spi.Option;
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

    @Override
    public List<Option<?>> options() {
        return List.of(OnionOptions.SOCKS, OnionOptions.CONNECT_TIMEOUT, OnionOptions.CONTROL,
                OnionOptions.CONTROL_PASSWORD, OnionOptions.COOKIE_FILE, OnionOptions.KEY_FILE,
                OnionOptions.VIRTUAL_PORT);
    }
}
