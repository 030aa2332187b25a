package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.Section;
import org.multiserver.spi.Layer;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;

/** The shs and noauth transforms through the SPI: discovery, configuration, address forms, wrapping. */
class ShsTransformTest {
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private static final byte[] SEED = HexFormat.of().parseHex(
            "ca7701c26351fd949f14840c303c6cd8e4f53e125c96cd9b0c027a269621e0a2");

    @AfterAll
    static void shutdown() {
        GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static PluginContext.Builder context() {
        return PluginContext.builder().eventLoopGroup(GROUP, NioSocketChannel.class, NioServerSocketChannel.class);
    }

    private static Transform shs(PluginContext.Builder context) {
        return new ShsTransformProvider().create(context.build());
    }

    @Test
    void serviceLoader_findsShsAndNoauth() {
        List<String> names = ServiceLoader.load(TransformProvider.class).stream()
                .map(p -> p.get().name()).sorted().toList();
        assertThat(names).containsExactly("noauth", "shs");
    }

    @Test
    void stringify_printsOurKeyInStandardBase64() {
        Transform transform = shs(context().option(ShsTransformProvider.SEED, b64(SEED)));
        String key = ShsKeyPair.fromSeed(SEED).publicKeyBase64();
        for (Scope scope : Scope.values()) {
            assertThat(transform.stringify(scope)).contains(Section.of("shs", key));
        }
        assertThat(key).hasSize(44).endsWith("=");
    }

    @Test
    void parse_acceptsJsStyleBase64AndPrintsItCanonically() {
        Transform transform = shs(context());
        byte[] key = ShsKeyPair.generate().publicKey();
        String standard = Base64.getEncoder().encodeToString(key);
        String urlSafeUnpadded = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        for (String form : List.of(standard, urlSafeUnpadded, standard.replace("=", ""))) {
            Transform.Target target = transform.parse(Section.parse("shs:" + form)).orElseThrow();
            assertThat(target.section()).isEqualTo(Section.of("shs", standard));
        }
        assertThat(transform.parse(Section.parse("net:localhost:8008"))).isEmpty();
    }

    @Test
    void parse_inviteForm() {
        Transform transform = shs(context());
        String key = ShsKeyPair.generate().publicKeyBase64();
        Transform.Target target = transform.parse(Section.parse("shs:" + key + ":" + b64(SEED))).orElseThrow();
        assertThat(target.section()).isEqualTo(Section.of("shs", key, b64(SEED)));
        assertThat(target.toString()).doesNotContain(b64(SEED));
    }

    @Test
    void parse_errorsNameTheItemAndColumn() {
        Transform transform = shs(context());
        String key = ShsKeyPair.generate().publicKeyBase64();

        AddressSyntaxException shortKey = parseError(transform, "shs:AAAA");
        assertThat(shortKey.column()).isEqualTo(5);
        assertThat(shortKey.reason()).isEqualTo("the server key must decode to 32 bytes, got 3: 'AAAA'");

        AddressSyntaxException badSeed = parseError(transform, "shs:" + key + ":c2VlZA");
        assertThat(badSeed.column()).isEqualTo(5 + key.length() + 1);
        assertThat(badSeed.reason()).startsWith("the invite seed must decode to 32 bytes, got 4");

        AddressSyntaxException notBase64 = parseError(transform, "shs:not*base64");
        assertThat(notBase64.reason()).isEqualTo("the server key is not base64: 'not*base64'");

        AddressSyntaxException missing = parseError(transform, "shs");
        assertThat(missing.reason()).startsWith("shs needs the server's public key");

        AddressSyntaxException tooMany = parseError(transform, "shs:" + key + ":" + b64(SEED) + ":x");
        assertThat(tooMany.column()).isEqualTo(5 + key.length() + 1 + b64(SEED).length() + 1);

        String lowOrder = b64(LowOrderPoints.ED25519.get(2));
        assertThat(parseError(transform, "shs:" + lowOrder).reason())
                .isEqualTo("the server key is not a valid Ed25519 public key");
    }

    private static AddressSyntaxException parseError(Transform transform, String text) {
        Section section = Section.parse(text);
        try {
            transform.parse(section);
        } catch (AddressSyntaxException e) {
            assertThat(e.input()).isEqualTo(text);
            return e;
        }
        throw new AssertionError("no syntax error for " + text);
    }

    @Test
    void keys_fromSsbSecretFileOrBase64File(@TempDir Path dir) throws Exception {
        ShsKeyPair expected = ShsKeyPair.fromSeed(SEED);
        byte[] secret = NativeSodium.concat(SEED, expected.publicKey());
        Path ssb = dir.resolve("secret");
        Files.writeString(ssb, """
                # this is your SECRET name.
                # this name gives you magical powers.
                {
                  "curve": "ed25519",
                  "public": "%1$s.ed25519",
                  "private": "%2$s.ed25519",
                  "id": "@%1$s.ed25519"
                }
                """.formatted(expected.publicKeyBase64(), b64(secret)));
        assertThat(shs(context().option(ShsTransformProvider.KEY_FILE, ssb.toString())).stringify(Scope.DEVICE))
                .contains(Section.of("shs", expected.publicKeyBase64()));
        Path seedFile = dir.resolve("seed");
        Files.writeString(seedFile, b64(SEED) + "\n");
        assertThat(shs(context().option(ShsTransformProvider.KEY_FILE, seedFile.toString())).stringify(Scope.DEVICE))
                .contains(Section.of("shs", expected.publicKeyBase64()));

        Path tampered = dir.resolve("tampered");
        secret[40] ^= 1;
        Files.writeString(tampered, b64(secret));
        assertThatThrownBy(() -> shs(context().option(ShsTransformProvider.KEY_FILE, tampered.toString())))
                .hasMessageContaining("shs.key-file").hasMessageContaining("does not match");
        assertThatThrownBy(() -> shs(context().option(ShsTransformProvider.KEY_FILE, dir.resolve("none").toString())))
                .hasMessageStartingWith("option shs.key-file: cannot read key file");
    }

    @Test
    void badOptions_areNamed() {
        assertThatThrownBy(() -> shs(context().option(ShsTransformProvider.APP_KEY, "AAAA")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an app key must decode to 32 bytes, got 3: 'AAAA'");
        assertThatThrownBy(() -> shs(context().option(ShsTransformProvider.SEED, "AAAA")))
                .hasMessage("option shs.seed: a seed must decode to 32 bytes, got 3: 'AAAA'");
        assertThatThrownBy(() -> context().option(ShsTransformProvider.AUTHORIZE, "allow"))
                .hasMessageContaining("shs.authorize");
        assertThat(shs(context().option(ShsTransformProvider.KEYS, b64(SEED))).stringify(Scope.PUBLIC))
                .contains(Section.of("shs", ShsKeyPair.fromSeed(SEED).publicKeyBase64()));
    }

    @Test
    void wrapped_pairReportsEachOthersKeyAsLayer_withInviteSeed() throws Exception {
        CompletableFuture<String> asked = new CompletableFuture<>();
        Transform server = shs(context().option(ShsTransformProvider.AUTHORIZE, (ShsAuthorizer) key -> {
            asked.complete(key);
            return CompletableFuture.completedFuture(true);
        }));
        Transform client = shs(context());
        String serverKey = server.stringify(Scope.DEVICE).orElseThrow().item(0);
        EmbeddedChannel serverChannel = channelWithTail();
        EmbeddedChannel clientChannel = channelWithTail();
        CompletableFuture<Layer> serverLayer = server.wrapServer(serverChannel);
        CompletableFuture<Layer> clientLayer = client.parse(Section.parse("shs:" + serverKey + ":" + b64(SEED)))
                .orElseThrow().wrapClient(clientChannel);
        pump(clientChannel, serverChannel);

        String seedKey = ShsKeyPair.fromSeed(SEED).publicKeyBase64();
        assertThat(asked.getNow(null)).isEqualTo(seedKey);
        assertThat(serverLayer.join()).isEqualTo(Layer.authenticated(Section.of("shs", seedKey), seedKey));
        assertThat(clientLayer.join()).isEqualTo(Layer.authenticated(Section.of("shs", serverKey), serverKey));
        // Our handlers sit before the platform's tail, named after the transform.
        assertThat(serverChannel.pipeline().names()).containsSubsequence("shs-box-encoder", "shs-box-decoder",
                Pipelines.TAIL);
        clientChannel.writeOutbound(Unpooled.wrappedBuffer("ping".getBytes(StandardCharsets.US_ASCII)));
        pump(clientChannel, serverChannel);
        Recorder tail = (Recorder) serverChannel.pipeline().get(Pipelines.TAIL);
        assertThat(new String(tail.bytes(), StandardCharsets.US_ASCII)).isEqualTo("ping");
        serverChannel.finishAndReleaseAll();
        clientChannel.finishAndReleaseAll();
    }

    @Test
    void wrapped_handshakeUsesThePlatformsDeadline() {
        Transform server = shs(context().handshakeTimeout(Duration.ofMillis(1500)));
        EmbeddedChannel channel = channelWithTail();
        CompletableFuture<Layer> layer = server.wrapServer(channel);
        channel.advanceTimeBy(1500, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThatThrownBy(layer::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(HandshakeException.class)
                .hasMessage("shs: handshake deadline of 1500 ms passed while waiting for the client challenge"
                        + " (message 1)");
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void wrapped_cancellingTheLayerClosesTheChannel() {
        EmbeddedChannel channel = channelWithTail();
        CompletableFuture<Layer> layer = shs(context()).wrapServer(channel);
        layer.cancel(false);
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void wrapped_onAClosedChannel_failsAtOnce() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.close();
        CompletableFuture<Layer> layer = shs(context()).wrapServer(channel);
        channel.runPendingTasks();
        assertThat(layer).isCompletedExceptionally();
        channel.finishAndReleaseAll();
    }

    @Test
    void noauth_isOffUnlessEnabled() {
        Transform off = new NoauthTransformProvider().create(context().build());
        AddressSyntaxException error = parseError(off, "noauth");
        assertThat(error.reason()).isEqualTo("noauth is disabled: it authenticates nobody; enable it explicitly with"
                + " the option noauth.enabled=true");
        assertThat(error.column()).isEqualTo(1);
        assertThat(off.stringify(Scope.DEVICE)).isEmpty();
        EmbeddedChannel channel = new EmbeddedChannel();
        assertThat(off.wrapServer(channel)).isCompletedExceptionally();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void noauth_whenEnabled_isAnonymousNeverOurKey() {
        Transform on = new NoauthTransformProvider().create(context()
                .option(NoauthTransformProvider.ENABLED, true).build());
        Layer server = on.wrapServer(new EmbeddedChannel()).join();
        Layer client = on.parse(Section.parse("noauth")).orElseThrow().wrapClient(new EmbeddedChannel()).join();
        for (Layer layer : List.of(server, client)) {
            assertThat(layer.identity()).isEqualTo(Optional.empty());
            assertThat(layer.remote()).isEqualTo(Section.of("noauth"));
        }
        assertThat(on.stringify(Scope.DEVICE)).contains(Section.of("noauth"));
        assertThat(on.parse(Section.parse("shs:AAAA"))).isEmpty();
        assertThat(parseError(on, "noauth:x").reason()).isEqualTo("noauth takes no data: write just 'noauth'");
    }

    /** A channel with the platform's buffering tail handler, as the core builds every connection. */
    private static EmbeddedChannel channelWithTail() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(Pipelines.TAIL, new Recorder());
        return channel;
    }

    private static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        boolean moved = true;
        while (moved) {
            moved = EmbeddedPair.move(a, b) | EmbeddedPair.move(b, a);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
