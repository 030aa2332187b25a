package org.multiserver.net;

import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/** The {@code net} transport: TCP, {@code net:{host}:{port}}. */
public final class NetTransportProvider implements TransportProvider {
    @Override
    public String name() {
        return NetTransport.NAME;
    }

    @Override
    public Transport create(PluginContext context) {
        return new NetTransport(context);
    }
}
