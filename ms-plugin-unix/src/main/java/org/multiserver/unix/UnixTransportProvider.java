package org.multiserver.unix;

import java.util.List;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/** The {@code unix} transport: unix domain sockets, {@code unix:{path}}, device scope only. */
public final class UnixTransportProvider implements TransportProvider {
    @Override
    public String name() {
        return UnixTransport.NAME;
    }

    @Override
    public Transport create(PluginContext context) {
        return new UnixTransport(context);
    }

    @Override
    public List<Option<?>> options() {
        return List.of(UnixOptions.PATH);
    }
}
