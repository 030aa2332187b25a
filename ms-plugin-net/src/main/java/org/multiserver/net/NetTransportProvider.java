package org.multiserver.net;

import java.util.List;
import org.multiserver.spi.Option;
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

    @Override
    public List<Option<?>> options() {
        return List.of(NetOptions.HOST, NetOptions.PORT, NetOptions.EXTERNAL);
    }
}
