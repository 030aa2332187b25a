package org.multiserver.shs2;

import java.util.List;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * The {@code shs2} transform: Secret Handshake v2 and Secret Channel, byte for byte as the JS reference
 * (secret-handshake2 0.0.2, secret-channel 1.1.0) runs them. Addresses: {@code shs2:<server key>} and, for a client
 * that presents a 32-byte auth payload (an invite, a capability), {@code shs2:<server key>:<payload>}.
 *
 * <p>Our key pair is the platform's {@link PluginContext#identity()}: the same key as {@code shs} in one
 * {@code MultiServer}. The handshake deadline is {@link PluginContext#handshakeTimeout()}.
 */
public final class Shs2TransformProvider implements TransformProvider {
    /** The SSB main network key, the default, as for shs. */
    public static final String SSB_MAIN_NETWORK = "1KHLiKZvAvjbY1ziZEHMXawbCEIM6qwjCDm3VYRan/s=";

    /** The network key, 32 bytes of base64; peers with another network key cannot connect. */
    public static final Option<String> NETWORK_KEY = Option.string("shs2.network-key", SSB_MAIN_NETWORK);
    /** Decides which clients the server lets in, seeing their key and auth payload; set in code. */
    public static final Option<Shs2Authorizer> AUTHORIZE = new Option<>("shs2.authorize", Shs2Authorizer.class,
            Shs2Authorizer.ALLOW_ALL, text -> {
                throw new IllegalArgumentException("an authorize callback is given in code, not as text");
            });

    @Override
    public String name() {
        return Shs2Transform.NAME;
    }

    @Override
    public Transform create(PluginContext context) {
        context.listenSpec().filter(spec -> !spec.data().isEmpty()).ifPresent(spec -> {
            // A server's key is its identity and the address it prints carries it; a key here could only be ignored.
            throw spec.syntaxError(0, "a listen spec's shs2 takes no data: the server's key pair is the"
                    + " MultiServer's identity, and the address it prints carries the public key; write just 'shs2'");
        });
        String text = context.option(NETWORK_KEY);
        byte[] networkKey = KeyText.parse32(text);
        if (networkKey == null) {
            throw new IllegalArgumentException("option " + NETWORK_KEY.name() + ": "
                    + KeyText.whyNot32Bytes(text, "the network key"));
        }
        return new Shs2Transform(LongTermKeys.of(context.identity()), networkKey, context.option(AUTHORIZE),
                context.handshakeTimeout());
    }

    @Override
    public List<Option<?>> options() {
        return List.of(NETWORK_KEY, AUTHORIZE);
    }
}
