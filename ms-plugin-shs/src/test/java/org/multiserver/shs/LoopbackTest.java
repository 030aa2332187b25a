package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Java client and Java server over real TCP on 127.0.0.1, and raw sockets playing bad peers. */
@Timeout(60)
class LoopbackTest {
    private static final byte[] APP = NativeSodium.sha256("loopback test network".getBytes());
    private static final Loopback LOOPBACK = new Loopback();

    @AfterAll
    static void shutdown() {
        LOOPBACK.close();
    }

    @Test
    void severalMegabytesBothWays_thenCleanEndsBothWays() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        ShsKeyPair clientKeys = ShsKeyPair.generate();
        Loopback.Server server = LOOPBACK.echoServer(APP, serverKeys, key -> CompletableFuture.completedFuture(true),
                Duration.ofSeconds(10));
        try {
            Loopback.Peer client = LOOPBACK.connect(server.address(), APP, clientKeys, serverKeys.publicKey(),
                    Duration.ofSeconds(10));
            assertThat(client.handshake().get(10, TimeUnit.SECONDS)).isEqualTo(serverKeys.publicKey());
            Loopback.Peer accepted = server.next();
            assertThat(accepted.handshake().get(10, TimeUnit.SECONDS)).isEqualTo(clientKeys.publicKey());

            long total = 5L * 1024 * 1024 + 12_345;
            client.app().expect(total);
            Loopback.sendPatternAndEnd(client.channel(), total, 10_007);
            byte[] echoed = client.app().allReceived.get(30, TimeUnit.SECONDS);
            assertThat(echoed.length).isEqualTo(total);
            assertThat(TestBytes.firstMismatch(echoed)).isEqualTo(-1);
            accepted.app().inputEnded.get(10, TimeUnit.SECONDS);   // our goodbye reached the server
            client.app().inputEnded.get(10, TimeUnit.SECONDS);     // and its goodbye reached us
            assertThat(client.app().inputShutdownEvents()).isEqualTo(1);
            assertThat(client.app().error).isNotDone();
            assertThat(accepted.app().error).isNotDone();
            client.channel().close().sync();
        } finally {
            server.channel().close().sync();
        }
    }

    @Test
    void silentServer_hitsTheClientDeadline() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Loopback.Peer client = LOOPBACK.connect((java.net.InetSocketAddress) silent.getLocalSocketAddress(), APP,
                    ShsKeyPair.generate(), ShsKeyPair.generate().publicKey(), Duration.ofMillis(300));
            try (Socket accepted = silent.accept()) {
                assertThatThrownBy(() -> client.handshake().get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(HandshakeException.class)
                        .hasMessage("shs: handshake deadline of 300 ms passed while waiting for the server challenge"
                                + " (message 2)");
                client.channel().closeFuture().get(10, TimeUnit.SECONDS);
                InputStream in = accepted.getInputStream();
                assertThat(in.readNBytes(64)).hasSize(64); // message 1, then nothing but the close
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void silentClient_hitsTheServerDeadline_andGetsNoBytes() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        Loopback.Server server = LOOPBACK.echoServer(APP, serverKeys, key -> CompletableFuture.completedFuture(true),
                Duration.ofMillis(300));
        try (Socket raw = new Socket(server.address().getAddress(), server.address().getPort())) {
            Loopback.Peer accepted = server.next();
            assertThatThrownBy(() -> accepted.handshake().get(10, TimeUnit.SECONDS))
                    .cause().hasMessage("shs: handshake deadline of 300 ms passed while waiting for the client"
                            + " challenge (message 1)");
            assertThat(raw.getInputStream().read()).isEqualTo(-1);
        } finally {
            server.channel().close().sync();
        }
    }

    /**
     * The JS server throws an uncaught exception on an all-zero ephemeral key; ours drops that peer silently and
     * goes on serving the next client.
     */
    @Test
    void zeroEphemeralKey_dropsThatPeerOnly() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        Loopback.Server server = LOOPBACK.echoServer(APP, serverKeys, key -> CompletableFuture.completedFuture(true),
                Duration.ofSeconds(10));
        try {
            for (byte[] point : LowOrderPoints.X25519) {
                try (Socket raw = new Socket(server.address().getAddress(), server.address().getPort())) {
                    OutputStream out = raw.getOutputStream();
                    out.write(NativeSodium.concat(NativeSodium.auth(point, APP), point));
                    out.flush();
                    Loopback.Peer accepted = server.next();
                    assertThatThrownBy(() -> accepted.handshake().get(10, TimeUnit.SECONDS)).cause()
                            .hasMessage("shs: client challenge invalid (message 1): its ephemeral key is of low order");
                    assertThat(raw.getInputStream().read()).as("no error bytes").isEqualTo(-1);
                }
            }
            try (Socket garbage = new Socket(server.address().getAddress(), server.address().getPort())) {
                garbage.getOutputStream().write(new byte[100]);
                assertThat(server.next().handshake()).failsWithin(10, TimeUnit.SECONDS);
                assertThat(garbage.getInputStream().read()).isEqualTo(-1);
            }
            Loopback.Peer honest = LOOPBACK.connect(server.address(), APP, ShsKeyPair.generate(),
                    serverKeys.publicKey(), Duration.ofSeconds(10));
            assertThat(honest.handshake().get(10, TimeUnit.SECONDS)).isEqualTo(serverKeys.publicKey());
            honest.channel().close().sync();
        } finally {
            server.channel().close().sync();
        }
    }

    @Test
    void peerThatVanishesMidStream_isATruncatedStream() throws Exception {
        ShsKeyPair serverKeys = ShsKeyPair.generate();
        Loopback.Server server = LOOPBACK.echoServer(APP, serverKeys, key -> CompletableFuture.completedFuture(true),
                Duration.ofSeconds(10));
        try {
            Loopback.Peer client = LOOPBACK.connect(server.address(), APP, ShsKeyPair.generate(),
                    serverKeys.publicKey(), Duration.ofSeconds(10));
            client.handshake().get(10, TimeUnit.SECONDS);
            Loopback.Peer accepted = server.next();
            accepted.handshake().get(10, TimeUnit.SECONDS);
            client.channel().writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(TestBytes.range(0, 100))).sync();
            client.app().expect(100).allReceived.get(10, TimeUnit.SECONDS);
            // The server goes away below the box-stream (no goodbye), as a crashing process would.
            accepted.channel().eventLoop().execute(
                    () -> accepted.channel().unsafe().close(accepted.channel().voidPromise()));
            assertThat(client.app().error.get(10, TimeUnit.SECONDS)).isInstanceOf(BoxStreamException.class)
                    .hasMessage("shs: box-stream truncated: the peer ended without a goodbye after 1 frames");
        } finally {
            server.channel().close().sync();
        }
    }
}
