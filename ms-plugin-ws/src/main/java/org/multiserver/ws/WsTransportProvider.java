package org.multiserver.ws;

import java.util.List;
import java.util.Set;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transport;
import org.multiserver.spi.TransportProvider;

/**
 * The {@code ws} transport: WebSockets, {@code ws://{host}:{port}} and, with TLS, {@code wss://{host}:{port}}. One
 * instance dials both; it serves wss when its listen spec says {@code wss} (or, without a spec, when
 * {@link WsOptions#TLS_CERT} and {@link WsOptions#TLS_KEY} are set).
 */
public final class WsTransportProvider implements TransportProvider {
    @Override
    public String name() {
        return WsAddress.WS;
    }

    @Override
    public Set<String> sectionNames() {
        return Set.of(WsAddress.WS, WsAddress.WSS);
    }

    @Override
    public Transport create(PluginContext context) {
        return new WsTransport(context);
    }

    @Override
    public List<Option<?>> options() {
        return List.of(WsOptions.HOST, WsOptions.PORT, WsOptions.EXTERNAL, WsOptions.MAX_FRAME_SIZE, WsOptions.ORIGINS,
                WsOptions.TLS_CERT, WsOptions.TLS_KEY, WsOptions.TLS_TRUST, WsOptions.TLS_TRUST_ALL,
                WsOptions.HTTP_RESPONDER, WsOptions.HTTP_HANDLER);
    }
}
