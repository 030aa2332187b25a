package org.multiserver.shs2;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;

/** A configured {@code shs2} transform: one key pair, network key, authorizer and deadline for every connection. */
final class Shs2Transform implements Transform {
    static final String NAME = "shs2";
    private static final String PREFIX = NAME + "-";

    private final LongTermKeys keys;
    private final byte[] networkKey;
    private final Shs2Authorizer authorizer;
    private final Duration timeout;

    Shs2Transform(LongTermKeys keys, byte[] networkKey, Shs2Authorizer authorizer, Duration timeout) {
        this.keys = keys;
        this.networkKey = networkKey.clone();
        this.authorizer = authorizer;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * {@code shs2:<server key>} or {@code shs2:<server key>:<auth payload>}: both 32 bytes of base64 (standard or
     * URL-safe, padded or not); the key must also be a usable Ed25519 point.
     */
    @Override
    public Optional<Target> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        List<String> items = section.data();
        if (items.isEmpty()) {
            throw section.syntaxError(0, "shs2 needs the server's public key: shs2:<base64 key>");
        }
        if (items.size() > 2) {
            throw section.syntaxError(2, "shs2 takes a key and an optional 32-byte auth payload, not " + items.size()
                    + " items");
        }
        byte[] serverKey = decode32(section, 0, "the server key");
        if (Crypto.edPublicToX(serverKey) == null) {
            throw section.syntaxError(0, "the server key is not a valid Ed25519 public key");
        }
        byte[] payload = items.size() == 2 ? decode32(section, 1, "the auth payload") : null;
        Section canonical = payload == null
                ? Section.of(NAME, KeyText.format(serverKey))
                : Section.of(NAME, KeyText.format(serverKey), KeyText.format(payload));
        return Optional.of(new Shs2Target(canonical, serverKey, payload));
    }

    private static byte[] decode32(Section section, int item, String what) {
        byte[] bytes = KeyText.parse32(section.item(item));
        if (bytes == null) {
            throw section.syntaxError(item, KeyText.whyNot32Bytes(section.item(item), what));
        }
        return bytes;
    }

    @Override
    public CompletableFuture<Layer> wrapServer(Channel channel) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        SecretHandshake2.Responder responder = new SecretHandshake2.Responder(networkKey, keys, null);
        return run(channel, Shs2HandshakeHandler.server(PREFIX, responder, authorizer, timeout, result), result);
    }

    @Override
    public Optional<Section> stringify(Scope scope) {
        return Optional.of(Section.of(NAME, keys.publicKeyBase64()));
    }

    private static CompletableFuture<Layer> run(Channel channel, Shs2HandshakeHandler handler,
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
        return "shs2:" + keys.publicKeyBase64();
    }

    /** A dialable {@code shs2} section: whom we expect, and the payload we present. */
    private final class Shs2Target implements Target {
        private final Section section;
        private final byte[] serverKey;
        private final byte[] payload;

        Shs2Target(Section section, byte[] serverKey, byte[] payload) {
            this.section = section;
            this.serverKey = serverKey;
            this.payload = payload;
        }

        @Override
        public Section section() {
            return section;
        }

        @Override
        public CompletableFuture<Layer> wrapClient(Channel channel) {
            CompletableFuture<byte[]> result = new CompletableFuture<>();
            SecretHandshake2.Initiator initiator = new SecretHandshake2.Initiator(networkKey, keys, serverKey,
                    payload, null);
            return run(channel, Shs2HandshakeHandler.client(PREFIX, initiator, timeout, result), result);
        }

        @Override
        public String toString() {
            return "shs2:" + KeyText.format(serverKey); // never the payload: it may be a capability
        }
    }
}
