package org.multiserver.shs;

import java.nio.file.Path;
import java.util.List;
import org.multiserver.spi.Identity;
import org.multiserver.spi.Option;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/**
 * The {@code shs} transform: secret handshake v1 and box-stream, wire-compatible with JS {@code secret-handshake}
 * 1.1.21 as used by {@code multiserver} 3.8.2. Addresses: {@code shs:<server key>} and the invite form
 * {@code shs:<server key>:<seed>}, where the client authenticates with the key pair of the seed.
 *
 * <p>Our long-term key pair comes from {@link #KEYS} (in code), else {@link #SEED}, else {@link #KEY_FILE}, which
 * give shs its own key on purpose; else it is the platform's {@link PluginContext#identity()}, the one identity every
 * authenticating transform of a {@code MultiServer} shares. The handshake deadline is the platform's
 * {@link PluginContext#handshakeTimeout()} (10 s unless configured).
 */
public final class ShsTransformProvider implements TransformProvider {
    /** The SSB main network's app key, the JS reference's default. */
    public static final String SSB_MAIN_NETWORK = "1KHLiKZvAvjbY1ziZEHMXawbCEIM6qwjCDm3VYRan/s=";

    /** Our key pair, given in code; as text, a base64 32-byte seed. */
    public static final Option<ShsKeyPair> KEYS = new Option<>("shs.keys", ShsKeyPair.class, null,
            text -> ShsKeyPair.fromSeed(decode32(text, "a seed")));
    /** Our key pair's 32-byte seed, base64. */
    public static final Option<String> SEED = Option.string("shs.seed", null);
    /** A file with our key pair: an SSB secret file, or base64 of a 32-byte seed or 64-byte secret key. */
    public static final Option<String> KEY_FILE = Option.string("shs.key-file", null);
    /** The app key (network identifier), 32 bytes of base64; peers with another app key cannot connect. */
    public static final Option<String> APP_KEY = Option.string("shs.app-key", SSB_MAIN_NETWORK);
    /** Decides which clients the server lets in; set in code. Default: {@link ShsAuthorizer#ALLOW_ALL}. */
    public static final Option<ShsAuthorizer> AUTHORIZE = new Option<>("shs.authorize", ShsAuthorizer.class,
            ShsAuthorizer.ALLOW_ALL, text -> {
                throw new IllegalArgumentException("an authorize callback is given in code, not as text");
            });

    @Override
    public String name() {
        return "shs";
    }

    @Override
    public Transform create(PluginContext context) {
        context.listenSpec().filter(spec -> !spec.data().isEmpty()).ifPresent(spec -> {
            // A client's shs:<key> names the server it expects; a server has its own key pair, whose public half it
            // prints. A key in a listen spec could only be ignored, which would hide a mistake.
            throw spec.syntaxError(0, "a listen spec's shs takes no data: the server's key pair is its identity"
                    + " (or the option " + SEED.name() + " or " + KEY_FILE.name() + "), and the address it prints"
                    + " carries the public key; write just 'shs'");
        });
        byte[] appKey = decode32(context.option(APP_KEY), "an app key");
        return new ShsTransform(keys(context), appKey, context.option(AUTHORIZE), context.handshakeTimeout());
    }

    private static ShsKeyPair keys(PluginContext context) {
        ShsKeyPair keys = context.option(KEYS);
        if (keys != null) {
            return keys;
        }
        String seed = context.option(SEED);
        if (seed != null) {
            try {
                return ShsKeyPair.fromSeed(decode32(seed, "a seed"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("option " + SEED.name() + ": " + e.getMessage(), e);
            }
        }
        String file = context.option(KEY_FILE);
        if (file != null) {
            try {
                return ShsKeyPair.of(Identity.load(Path.of(file)));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("option " + KEY_FILE.name() + ": " + e.getMessage(), e);
            }
        }
        return ShsKeyPair.of(context.identity());
    }

    private static byte[] decode32(String text, String what) {
        String problem = KeyText.whyNot32Bytes(text, what);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return KeyText.parseLenient(text);
    }

    @Override
    public List<Option<?>> options() {
        return List.of(KEYS, SEED, KEY_FILE, APP_KEY, AUTHORIZE);
    }
}
