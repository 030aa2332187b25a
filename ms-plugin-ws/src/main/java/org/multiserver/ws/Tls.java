package org.multiserver.ws;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import javax.net.ssl.SSLException;
import org.multiserver.spi.PluginContext;

/** The TLS contexts of wss, from the {@link WsOptions}. */
final class Tls {
    private Tls() {
    }

    /** The server context from the PEM certificate chain and key; the error names the options and files. */
    static SslContext server(PluginContext context) {
        String cert = context.option(WsOptions.TLS_CERT);
        String key = context.option(WsOptions.TLS_KEY);
        if (cert == null || key == null) {
            throw new IllegalArgumentException("wss needs a certificate and its key: set the options "
                    + WsOptions.TLS_CERT.name() + " and " + WsOptions.TLS_KEY.name() + " (PEM files)");
        }
        requireFile(cert, WsOptions.TLS_CERT.name());
        requireFile(key, WsOptions.TLS_KEY.name());
        try {
            return SslContextBuilder.forServer(new File(cert), new File(key)).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use " + WsOptions.TLS_CERT.name() + "=" + cert + " and "
                    + WsOptions.TLS_KEY.name() + "=" + key + ": " + rootMessage(e), e);
        }
    }

    /**
     * The client context: the JDK's trust store, or the PEM file of {@link WsOptions#TLS_TRUST}, with the host name
     * checked; or no check at all when {@link WsOptions#TLS_TRUST_ALL} is set.
     */
    static SslContext client(PluginContext context) {
        SslContextBuilder builder = SslContextBuilder.forClient();
        String trust = context.option(WsOptions.TLS_TRUST);
        if (trust != null) {
            requireFile(trust, WsOptions.TLS_TRUST.name());
        }
        try {
            if (context.option(WsOptions.TLS_TRUST_ALL)) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else {
                if (trust != null) {
                    builder.trustManager(new File(trust));
                }
                builder.endpointIdentificationAlgorithm("HTTPS");
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use " + WsOptions.TLS_TRUST.name() + "=" + trust + ": "
                    + rootMessage(e), e);
        }
    }

    private static void requireFile(String path, String option) {
        if (!new File(path).canRead()) {
            throw new IllegalArgumentException("option " + option + ": cannot read '" + path + "'");
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message != null ? message : root.getClass().getSimpleName();
    }
}
