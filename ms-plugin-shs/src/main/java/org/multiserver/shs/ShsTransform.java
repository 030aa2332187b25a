package org.multiserver.shs;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;

/** A configured {@code shs} transform: one key pair, app key, authorizer and deadline for every connection. */
final class ShsTransform implements Transform {
    static final String NAME = "shs";
    private static final String PREFIX = NAME + "-";

    private final ShsKeyPair keys;
    private final byte[] appKey;
    private final Function<byte[], CompletionStage<Boolean>> authorizer;
    private final Duration timeout;

    ShsTransform(ShsKeyPair keys, byte[] appKey, ShsAuthorizer authorizer, Duration timeout) {
        this.keys = keys;
        this.appKey = appKey.clone();
        this.authorizer = key -> authorizer.authorize(KeyText.format(key));
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * {@code shs:<key>} or {@code shs:<key>:<seed>}. Both must decode to 32 bytes (standard or URL-safe base64,
     * padded or not, as JS peers print them); the key must also be a usable Ed25519 point.
     */
    @Override
    public Optional<Target> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        List<String> items = section.data();
        if (items.isEmpty()) {
            throw section.syntaxError(0, "shs needs the server's public key: shs:<base64 key>");
        }
        if (items.size() > 2) {
            throw section.syntaxError(2, "shs takes a key and an optional invite seed, not " + items.size()
                    + " items");
        }
        byte[] serverKey = decode32(section, 0, "the server key");
        if (NativeSodium.curvePublicKey(serverKey) == null) {
            throw section.syntaxError(0, "the server key is not a valid Ed25519 public key");
        }
        byte[] seed = items.size() == 2 ? decode32(section, 1, "the invite seed") : null;
        Section canonical = seed == null
                ? Section.of(NAME, KeyText.format(serverKey))
                : Section.of(NAME, KeyText.format(serverKey), KeyText.format(seed));
        ShsKeyPair clientKeys = seed == null ? keys : ShsKeyPair.fromSeed(seed);
        NativeSodium.wipe(seed);
        return Optional.of(new ShsTarget(canonical, serverKey, clientKeys));
    }

    private static byte[] decode32(Section section, int item, String what) {
        String problem = KeyText.whyNot32Bytes(section.item(item), what);
        if (problem != null) {
            throw section.syntaxError(item, problem);
        }
        return KeyText.parseLenient(section.item(item));
    }

    @Override
    public CompletableFuture<Layer> wrapServer(Channel channel) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        return run(channel, ShsHandshakeHandler.server(PREFIX, appKey, keys, authorizer, timeout, result), result);
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return Optional.of(Section.of(NAME, keys.publicKeyBase64()));
    }

    private static CompletableFuture<Layer> run(Channel channel, ShsHandshakeHandler handler,
                                                CompletableFuture<byte[]> result) {
        CompletableFuture<Layer> layer = result.thenApply(remote -> {
            String identity = KeyText.format(remote);
            return Layer.authenticated(Section.of(NAME, identity), identity);
        });
        layer.whenComplete((done, error) -> {
            if (layer.isCancelled()) {
                channel.close(); // the caller gave up: the handler sees the close and stops
            }
        });
        Pipelines.addLast(channel.pipeline(), PREFIX + "handshake", handler);
        return layer;
    }

    @Override
    public String toString() {
        return "shs:" + keys.publicKeyBase64();
    }

    /** A dialable {@code shs} section: whom we expect, and as whom we authenticate. */
    private final class ShsTarget implements Target {
        private final Section section;
        private final byte[] serverKey;
        private final ShsKeyPair clientKeys;

        ShsTarget(Section section, byte[] serverKey, ShsKeyPair clientKeys) {
            this.section = section;
            this.serverKey = serverKey;
            this.clientKeys = clientKeys;
        }

        @Override
        public Section section() {
            return section;
        }

        @Override
        public CompletableFuture<Layer> wrapClient(Channel channel) {
            CompletableFuture<byte[]> result = new CompletableFuture<>();
            return run(channel, ShsHandshakeHandler.client(PREFIX, appKey, clientKeys, serverKey, timeout, result),
                    result);
        }

        @Override
        public String toString() {
            return "shs:" + KeyText.format(serverKey); // never the seed: it is a secret
        }
    }
}
