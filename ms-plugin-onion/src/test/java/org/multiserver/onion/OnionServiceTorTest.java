package org.multiserver.onion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.EndOfOutput;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;

/**
 * The onion server against a real tor with {@code DisableNetwork 1}: it publishes and removes services through the
 * control port (descriptors are never uploaded, which needs the network). One tor for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class OnionServiceTorTest {
    private static final String ONION_SHS = "onion:[a-z2-7]{56}\\.onion:%d~shs:[A-Za-z0-9+/]{43}=";

    @TempDir
    static Path classDir;

    private TorProcess tor;
    private final List<MultiServer> servers = new ArrayList<>();

    @BeforeAll
    void startTor() throws Exception {
        tor = TorProcess.withoutNetwork(classDir);
    }

    @AfterAll
    void stopTor() throws Exception {
        if (tor != null) {
            tor.close();
        }
    }

    /** A directory of the test's own (the class shares one @TempDir, as it shares one tor). */
    private Path fresh() throws java.io.IOException {
        return Files.createTempDirectory(classDir, "test");
    }

    @AfterEach
    void closeServers() {
        servers.forEach(MultiServer::close);
        servers.clear();
    }

    private MultiServer.Builder builder() {
        return MultiServer.builder().option(OnionOptions.CONTROL, "127.0.0.1:" + tor.controlPort());
    }

    private MultiServer.Listening listen(MultiServer.Builder builder) throws Exception {
        MultiServer ms = builder.build();
        servers.add(ms);
        return ms.listen(c -> c.close()).get(20, TimeUnit.SECONDS);
    }

    private String listenError(MultiServer.Builder builder) {
        MultiServer ms = builder.build();
        servers.add(ms);
        try {
            ms.listen(c -> c.close()).get(20, TimeUnit.SECONDS);
            throw new AssertionError("listen succeeded, expected a failure");
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void publishesAServicePrintsItForThePublicScopeAndRemovesItOnClose() throws Exception {
        Path keyFile = fresh().resolve("onion.key");
        MultiServer.Listening server = listen(builder().option(OnionOptions.KEY_FILE, keyFile.toString())
                .listen("onion~shs"));
        String address = server.stringify(Scope.PUBLIC);
        assertThat(address).matches(String.format(ONION_SHS, 8008));
        assertThat(OnionAddress.whyNotV3(address.substring(6, 6 + 62))).isNull();
        assertThat(server.stringify(Scope.DEVICE)).isEmpty();
        assertThat(server.stringify(Scope.LOCAL)).isEmpty();

        // Our service belongs to our control connection, so another connection sees it in one way only: tor
        // refuses a second service with the same key.
        String key = Files.readString(keyFile).trim();
        try (TorControlClient other = new TorControlClient(tor)) {
            assertThat(other.command("ADD_ONION " + key + " Port=1,127.0.0.1:1"))
                    .singleElement().asString().startsWith("550").contains("collision");
            server.close().get(20, TimeUnit.SECONDS);
            List<String> afterClose = other.command("ADD_ONION " + key + " Port=1,127.0.0.1:1");
            assertThat(afterClose.get(afterClose.size() - 1)).isEqualTo("250 OK");
            assertThat(afterClose.get(0)).isEqualTo("250-ServiceID=" + address.substring(6, 6 + 56));
        }
    }

    @Test
    void theKeyFileIsOwnerOnlyAndKeepsTheAddressAcrossRestarts() throws Exception {
        Path keyFile = fresh().resolve("onion.key");
        MultiServer.Listening first = listen(builder().option(OnionOptions.KEY_FILE, keyFile.toString())
                .listen("onion"));
        String address = first.stringify(Scope.PUBLIC);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        String key = Files.readString(keyFile);
        assertThat(key).startsWith("ED25519-V3:").endsWith("\n");
        first.close().get(20, TimeUnit.SECONDS);

        MultiServer.Listening second = listen(builder().option(OnionOptions.KEY_FILE, keyFile.toString())
                .listen("onion"));
        assertThat(second.stringify(Scope.PUBLIC)).isEqualTo(address);
        assertThat(Files.readString(keyFile)).isEqualTo(key);
    }

    @Test
    void withoutAKeyFileEveryListenGetsANewAddressAndTheVirtualPortComesFromTheSpec() throws Exception {
        String first = listen(builder().listen("onion:80~shs")).stringify(Scope.PUBLIC);
        String second = listen(builder().option(OnionOptions.VIRTUAL_PORT, 9999).listen("onion"))
                .stringify(Scope.PUBLIC);
        assertThat(first).matches(String.format(ONION_SHS, 80));
        assertThat(second).matches("onion:[a-z2-7]{56}\\.onion:9999");
        assertThat(first.substring(0, 62)).isNotEqualTo(second.substring(0, 62));
    }

    @Test
    void theControlConnectionAddsListsAndDeletesServices() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            PluginContext context = PluginContext.builder()
                    .eventLoopGroup(group, NioSocketChannel.class, NioServerSocketChannel.class).build();
            TorControl control = TorControl.connect(context, new TorEndpoint("127.0.0.1", tor.controlPort()),
                    Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            TorAuthentication.authenticate(control, null, null).get(10, TimeUnit.SECONDS); // SAFECOOKIE
            TorControl.Reply added = control.expectOk("ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,127.0.0.1:9")
                    .get(10, TimeUnit.SECONDS);
            String id = added.value("ServiceID");
            assertThat(added.value("PrivateKey")).isNull();
            assertThat(control.expectOk("GETINFO onions/current").get(10, TimeUnit.SECONDS)
                    .value("onions/current")).contains(id);
            control.expectOk("DEL_ONION " + id).get(10, TimeUnit.SECONDS);
            assertThat(control.expectOk("GETINFO onions/current").get(10, TimeUnit.SECONDS)
                    .value("onions/current")).doesNotContain(id);
            assertThatThrownBy(() -> control.expectOk("DEL_ONION " + id).get(10, TimeUnit.SECONDS))
                    .cause().hasMessageStartingWith("tor refused DEL_ONION " + id + ": 552");
            control.close().get(10, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void tcpFromTorReachesTheAcceptorAsAnAnonymousOnionPeerWithoutHalfClose() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        OnionTransport.OnionListener listener = null;
        try {
            PluginContext context = PluginContext.builder()
                    .eventLoopGroup(group, NioSocketChannel.class, NioServerSocketChannel.class)
                    .option(OnionOptions.CONTROL, "127.0.0.1:" + tor.controlPort()).build();
            CompletableFuture<String> accepted = new CompletableFuture<>();
            listener = (OnionTransport.OnionListener) new OnionTransportProvider().create(context)
                    .listen((channel, remote) -> {
                        accepted.complete(remote + " " + channel.pipeline().names());
                        channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {42}));
                        channel.writeAndFlush(EndOfOutput.INSTANCE);
                    }).get(20, TimeUnit.SECONDS);
            // What tor does when a client reaches the service: a TCP connection to our loopback listener.
            try (Socket asTor = new Socket(InetAddress.getLoopbackAddress(), listener.localPort())) {
                assertThat(accepted.get(10, TimeUnit.SECONDS)).startsWith("onion [").contains("onion-end-closes")
                        .doesNotContain("half-close");
                assertThat(asTor.getInputStream().readAllBytes()).containsExactly(42); // then closed, not half
            }
        } finally {
            if (listener != null) {
                listener.close().get(10, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aMissingTorIsAClearErrorAtListen() throws Exception {
        int nobody = Microsocks.freePort();
        String error = listenError(MultiServer.builder().option(OnionOptions.CONTROL, "127.0.0.1:" + nobody)
                .listen("onion~shs"));
        assertThat(error).isEqualTo("could not listen on onion~shs: cannot reach tor's control port at 127.0.0.1:"
                + nobody + ": connection refused; is tor running with ControlPort " + nobody + "?");
    }

    @Test
    void aCookieFileThatIsNotThereIsNamed() throws Exception {
        Path missing = fresh().resolve("no-cookie");
        String error = listenError(builder().option(OnionOptions.COOKIE_FILE, missing.toString()).listen("onion"));
        assertThat(error).isEqualTo("could not listen on onion: tor's cookie file " + missing + " does not exist"
                + " (set onion.cookie-file if tor sees it under another path)");
    }

    @Test
    void aWrongCookieIsRefusedWithoutLeakingIt() throws Exception {
        Path wrong = fresh().resolve("wrong-cookie");
        Files.write(wrong, new byte[32]);
        String error = listenError(builder().option(OnionOptions.COOKIE_FILE, wrong.toString()).listen("onion"));
        assertThat(error).isEqualTo("could not listen on onion: tor's control port at 127.0.0.1:"
                + tor.controlPort() + " answered AUTHCHALLENGE with a hash that does not match the cookie in "
                + wrong + ": a stale cookie file, or not the tor that wrote it");
    }

    @Test
    void aKeyFileWithoutAKeyIsAnErrorBeforeTorIsAsked() throws Exception {
        Path keyFile = fresh().resolve("garbage.key");
        Files.writeString(keyFile, "not a key");
        String error = listenError(builder().option(OnionOptions.KEY_FILE, keyFile.toString()).listen("onion"));
        assertThat(error).startsWith("could not listen on onion: the onion key file " + keyFile
                + " does not hold an onion service key");
        assertThat(Files.readString(keyFile)).isEqualTo("not a key");
    }

    @Test
    void aPasswordIsAnErrorWhenTorTakesCookiesOnly() {
        String error = listenError(builder().option(OnionOptions.CONTROL_PASSWORD, "secret").listen("onion"));
        assertThat(error).isEqualTo("could not listen on onion: tor's control port at 127.0.0.1:" + tor.controlPort()
                + " takes no password (it offers COOKIE, SAFECOOKIE): remove onion.control-password or set"
                + " HashedControlPassword in torrc");
    }

    @Test
    void onlyThePublicScope() {
        String error = listenError(builder().listen("onion", Set.of(Scope.DEVICE)));
        assertThat(error).contains("an onion service serves the public scope, not [device]");
    }
}
