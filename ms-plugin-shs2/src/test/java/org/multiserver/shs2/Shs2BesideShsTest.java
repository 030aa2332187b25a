package org.multiserver.shs2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/** shs2 served beside shs by one MultiServer over real TCP: one identity, both dialable, payloads, network keys. */
@Timeout(60)
class Shs2BesideShsTest {
    private final List<MultiServer> open = new java.util.ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(MultiServer::close);
    }

    private MultiServer track(MultiServer ms) {
        open.add(ms);
        return ms;
    }

    private static void echo(Connection connection) {
        try (InputStream in = connection.input(); OutputStream out = connection.output()) {
            in.transferTo(out);
        } catch (IOException e) {
            // the peer went away
        }
    }

    @Test
    void oneServerOneKey_bothProtocolsEchoAMegabyteWithHalfClose() throws Exception {
        MultiServer server = track(MultiServer.builder().listen("net:127.0.0.1:0~shs2").listen("net:127.0.0.1:0~shs")
                .build());
        String address = server.listen(Shs2BesideShsTest::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        String[] alternatives = address.split(";");
        assertThat(alternatives).hasSize(2);
        assertThat(alternatives[0]).matches("net:127\\.0\\.0\\.1:\\d+~shs2:[A-Za-z0-9+/]{43}=");
        String key = alternatives[0].substring(alternatives[0].indexOf("~shs2:") + 6);
        assertThat(alternatives[1]).endsWith("~shs:" + key);

        MultiServer client = track(MultiServer.builder().listen("net~shs2").listen("net~shs").build());
        byte[] data = new byte[1_000_003]; // several 65535-byte chunks and a remainder
        new Random(1).nextBytes(data);
        for (String alternative : alternatives) {
            Connection c = client.connect(alternative).get(10, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).isEqualTo(alternative);
            assertThat(c.peerIdentity()).contains(key);
            assertThat(echoed(c, data)).isEqualTo(data);
        }
        // The whole address: the first alternative, shs2, is the one dialled.
        Connection first = client.connect(address).get(10, TimeUnit.SECONDS);
        assertThat(first.remoteAddress().toString()).isEqualTo(alternatives[0]);
        first.abort();
    }

    @Test
    void aPureClientDialsWhateverThePluginsOnTheClassPathUnderstand() throws Exception {
        MultiServer server = track(MultiServer.builder().listen("net:127.0.0.1:0~shs2").listen("net:127.0.0.1:0~shs")
                .build());
        String address = server.listen(Shs2BesideShsTest::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        MultiServer client = track(MultiServer.client()); // no stacks: the plugins found make them per shape
        for (String alternative : address.split(";")) {
            Connection c = client.connect(alternative).get(10, TimeUnit.SECONDS);
            assertThat(c.remoteAddress().toString()).isEqualTo(alternative);
            assertThat(echoed(c, new byte[] {5, 6, 7})).containsExactly(5, 6, 7);
        }
        assertThatThrownBy(() -> client.connect("net:127.0.0.1:1~shs3:abc").get(10, TimeUnit.SECONDS))
                .hasMessageContaining("no plugin for shs3 on the class path");
        assertThat(client.listen(Shs2BesideShsTest::echo)).isCompletedExceptionally();
    }

    @Test
    void theAuthorizerSeesTheClientKeyAndItsPayload_zerosWithoutOne() throws Exception {
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        MultiServer server = track(MultiServer.builder()
                .option(Shs2TransformProvider.AUTHORIZE, (clientKey, payload) -> {
                    seen.add(clientKey + " " + Base64.getEncoder().encodeToString(payload));
                    return CompletableFuture.completedFuture(payload[0] != 13); // invites starting 13 are revoked
                })
                .listen("net:127.0.0.1:0~shs2").build());
        String address = server.listen(Shs2BesideShsTest::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        MultiServer client = track(MultiServer.builder().listen("net~shs2").build());
        String clientKey = client.connect(address).thenApply(c -> {
            c.abort();
            return "";
        }).thenCompose(x -> CompletableFuture.completedFuture(seen.poll())).get(10, TimeUnit.SECONDS);
        assertThat(clientKey).endsWith(" " + Base64.getEncoder().encodeToString(new byte[32]));

        byte[] invite = new byte[32];
        invite[0] = 7;
        invite[31] = 1;
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(invite); // lenient on input
        Connection c = client.connect(address + ":" + payload).get(10, TimeUnit.SECONDS);
        assertThat(c.remoteAddress().toString()).as("the payload is not part of the remote address")
                .isEqualTo(address);
        assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(clientKey.substring(0, clientKey.indexOf(' ')) + " "
                + Base64.getEncoder().encodeToString(invite));
        assertThat(echoed(c, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);

        invite[0] = 13;
        String revoked = Base64.getEncoder().encodeToString(invite);
        assertThatThrownBy(() -> client.connect(address + ":" + revoked).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("shs2: the server hung up instead of accepting (message 4)");
    }

    @Test
    void aKeyInAListenSpecIsRefusedAtItsColumn() {
        assertThatThrownBy(() -> MultiServer.builder().listen("net:127.0.0.1:0~shs2:abc").build())
                .isInstanceOf(org.multiserver.address.AddressSyntaxException.class)
                .hasMessageContaining("column 22")
                .hasMessageContaining("a listen spec's shs2 takes no data");
    }

    @Test
    void anotherNetworkKeyCannotConnect_andSaysSoAtMessage2() throws Exception {
        MultiServer server = track(MultiServer.builder()
                .option(Shs2TransformProvider.NETWORK_KEY, Base64.getEncoder().encodeToString(new byte[32]))
                .listen("net:127.0.0.1:0~shs2").build());
        String address = server.listen(Shs2BesideShsTest::echo).get(10, TimeUnit.SECONDS).stringify(Scope.DEVICE);
        MultiServer client = track(MultiServer.builder().listen("net~shs2").build());
        assertThatThrownBy(() -> client.connect(address).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("shs2: the server hung up instead of sending its hello (message 2): wrong"
                        + " network key");
    }

    /** Writes {@code data}, ends our side, and reads until the server ends its side. */
    private static byte[] echoed(Connection c, byte[] data) throws Exception {
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try (OutputStream out = c.output()) {
                out.write(data);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (InputStream in = c.input()) {
            byte[] got = in.readAllBytes();
            written.get(10, TimeUnit.SECONDS);
            return got;
        }
    }
}
