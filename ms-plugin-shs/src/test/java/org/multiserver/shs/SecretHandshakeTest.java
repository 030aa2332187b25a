package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The state machine alone: both sides in memory, honest and otherwise. */
class SecretHandshakeTest {
    private static final byte[] APP = NativeSodium.sha256("test network".getBytes());
    private final ShsKeyPair serverKeys = ShsKeyPair.generate();
    private final ShsKeyPair clientKeys = ShsKeyPair.generate();

    @Test
    void honestPair_agreesOnKeysAndIdentities() throws Exception {
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey());
        SecretHandshake.Server server = new SecretHandshake.Server(APP, serverKeys);
        byte[] msg1 = client.clientChallenge();
        byte[] msg2 = server.readClientChallenge(msg1);
        byte[] msg3 = client.readServerChallenge(msg2);
        assertThat(new int[] {msg1.length, msg2.length, msg3.length}).containsExactly(64, 64, 112);
        assertThat(server.readClientAuth(msg3)).isEqualTo(clientKeys.publicKey());
        SecretHandshake.Accepted accepted = server.accept();
        assertThat(accepted.message4()).hasSize(80);
        BoxStreamKeys c = client.readServerAccept(accepted.message4());
        BoxStreamKeys s = accepted.keys();
        assertThat(c.encryptKey).isEqualTo(s.decryptKey);
        assertThat(c.decryptKey).isEqualTo(s.encryptKey);
        assertThat(c.encryptNonce).isEqualTo(s.decryptNonce);
        assertThat(c.decryptNonce).isEqualTo(s.encryptNonce);
        assertThat(c.encryptKey).isNotEqualTo(c.decryptKey);
        assertThat(c.remotePublicKey).isEqualTo(serverKeys.publicKey());
        assertThat(s.remotePublicKey).isEqualTo(clientKeys.publicKey());
    }

    @Test
    void everyConnection_usesAFreshEphemeralKey() throws Exception {
        byte[] first = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey()).clientChallenge();
        byte[] second = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey()).clientChallenge();
        assertThat(Arrays.copyOfRange(first, 32, 64)).isNotEqualTo(Arrays.copyOfRange(second, 32, 64));
        byte[] msg2a = new SecretHandshake.Server(APP, serverKeys).readClientChallenge(first);
        byte[] msg2b = new SecretHandshake.Server(APP, serverKeys).readClientChallenge(first);
        assertThat(msg2a).isNotEqualTo(msg2b);
    }

    @Test
    void wrongAppKey_failsMessage1OnTheServer() throws Exception {
        byte[] otherApp = NativeSodium.sha256("other network".getBytes());
        byte[] msg1 = new SecretHandshake.Client(otherApp, clientKeys, serverKeys.publicKey()).clientChallenge();
        assertThatThrownBy(() -> new SecretHandshake.Server(APP, serverKeys).readClientChallenge(msg1))
                .isInstanceOf(HandshakeException.class)
                .hasMessage("shs: client challenge invalid (message 1): wrong app key, or the peer does not speak"
                        + " shs");
    }

    @Test
    void wrongAppKey_failsMessage2OnTheClient() throws Exception {
        byte[] otherApp = NativeSodium.sha256("other network".getBytes());
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey());
        // A server of another network answers with its own challenge (as if it had not checked ours).
        byte[] msg2 = new SecretHandshake.Client(otherApp, serverKeys, clientKeys.publicKey()).clientChallenge();
        client.clientChallenge();
        assertThatThrownBy(() -> client.readServerChallenge(msg2))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("server challenge invalid (message 2)");
    }

    @Test
    void wrongServerKey_failsMessage3OnTheServer() throws Exception {
        ShsKeyPair someoneElse = ShsKeyPair.generate();
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, someoneElse.publicKey());
        SecretHandshake.Server server = new SecretHandshake.Server(APP, serverKeys);
        byte[] msg3 = client.readServerChallenge(server.readClientChallenge(client.clientChallenge()));
        assertThatThrownBy(() -> server.readClientAuth(msg3))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("client auth invalid (message 3): the client dialled another server key");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 15, 16, 40, 79})
    void forgedMessage4_isRejected(int index) throws Exception {
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey());
        SecretHandshake.Server server = new SecretHandshake.Server(APP, serverKeys);
        byte[] msg3 = client.readServerChallenge(server.readClientChallenge(client.clientChallenge()));
        server.readClientAuth(msg3);
        byte[] msg4 = server.accept().message4();
        msg4[index] ^= 0x01;
        assertThatThrownBy(() -> client.readServerAccept(msg4))
                .isInstanceOf(HandshakeException.class)
                .hasMessage("shs: server accept invalid (message 4): the server did not prove it holds the key we"
                        + " dialled");
    }

    /** A server that does not hold the key we dialled cannot open message 3, let alone answer it. */
    @Test
    void impostorServer_cannotOpenMessage3() throws Exception {
        ShsKeyPair impostorKeys = ShsKeyPair.generate();
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey());
        SecretHandshake.Server impostor = new SecretHandshake.Server(APP, impostorKeys);
        byte[] msg3 = client.readServerChallenge(impostor.readClientChallenge(client.clientChallenge()));
        assertThatThrownBy(() -> impostor.readClientAuth(msg3))
                .isInstanceOf(HandshakeException.class).hasMessageContaining("(message 3)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 32, 63})
    void flippedBitInMessage1_isRejected(int index) throws Exception {
        byte[] msg1 = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey()).clientChallenge();
        msg1[index] ^= 0x10;
        assertThatThrownBy(() -> new SecretHandshake.Server(APP, serverKeys).readClientChallenge(msg1))
                .isInstanceOf(HandshakeException.class).hasMessageContaining("(message 1)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 15, 16, 47, 80, 111})
    void flippedBitInMessage3_isRejected(int index) throws Exception {
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey());
        SecretHandshake.Server server = new SecretHandshake.Server(APP, serverKeys);
        byte[] msg3 = client.readServerChallenge(server.readClientChallenge(client.clientChallenge()));
        msg3[index] ^= 0x01;
        assertThatThrownBy(() -> server.readClientAuth(msg3))
                .isInstanceOf(HandshakeException.class).hasMessageContaining("(message 3)");
    }

    static java.util.stream.Stream<byte[]> lowOrderX25519() {
        return LowOrderPoints.X25519.stream();
    }

    static java.util.stream.Stream<byte[]> lowOrderEd25519() {
        return LowOrderPoints.ED25519.stream();
    }

    /** The JS server throws out of a callback on these (sodium-native's scalarmult fails); we just refuse. */
    @ParameterizedTest
    @MethodSource("lowOrderX25519")
    void lowOrderEphemeralKeyOfClient_isRejectedAtMessage1(byte[] point) {
        byte[] msg1 = NativeSodium.concat(NativeSodium.auth(point, APP), point); // correct MAC: only the key is bad
        assertThatThrownBy(() -> new SecretHandshake.Server(APP, serverKeys).readClientChallenge(msg1))
                .isInstanceOf(HandshakeException.class)
                .hasMessage("shs: client challenge invalid (message 1): its ephemeral key is of low order");
    }

    @ParameterizedTest
    @MethodSource("lowOrderX25519")
    void lowOrderEphemeralKeyOfServer_isRejectedAtMessage2(byte[] point) throws Exception {
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey());
        client.clientChallenge();
        byte[] msg2 = NativeSodium.concat(NativeSodium.auth(point, APP), point);
        assertThatThrownBy(() -> client.readServerChallenge(msg2))
                .isInstanceOf(HandshakeException.class)
                .hasMessage("shs: server challenge invalid (message 2): its ephemeral key is of low order");
    }

    @ParameterizedTest
    @MethodSource("lowOrderEd25519")
    void dialingALowOrderServerKey_failsBeforeMessage1(byte[] point) {
        assertThatThrownBy(() -> new SecretHandshake.Client(APP, clientKeys, point))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("is not a usable Ed25519 public key (before message 1)");
    }

    /**
     * A client that claims a small-order long-term key. It can build a message 3 the server opens (it knows a and
     * B), but no signature verifies under such a key, so the server stops at message 3.
     */
    @ParameterizedTest
    @MethodSource("lowOrderEd25519")
    void clientClaimingALowOrderKey_isRejectedAtMessage3(byte[] point) throws Exception {
        SecretHandshake.Server server = new SecretHandshake.Server(APP, serverKeys);
        byte[] eph = new byte[32];
        byte[] ephPublic = new byte[32];
        NativeSodium.SODIUM.crypto_box_keypair(ephPublic, eph);
        byte[] msg2 = server.readClientChallenge(NativeSodium.concat(NativeSodium.auth(ephPublic, APP), ephPublic));
        byte[] ab = NativeSodium.scalarMult(eph, Arrays.copyOfRange(msg2, 32, 64));
        byte[] aB = NativeSodium.scalarMult(eph, NativeSodium.curvePublicKey(serverKeys.publicKey()));
        byte[] secret2 = NativeSodium.sha256(APP, ab, aB);
        byte[] hello = NativeSodium.concat(new byte[64], point); // the identity "signs" anything with R=0, S=0
        hello[0] = 1;
        byte[] msg3 = NativeSodium.secretBoxZeroNonce(hello, secret2);
        assertThatThrownBy(() -> server.readClientAuth(msg3))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("client auth invalid (message 3)");
    }

    @Test
    void outOfOrderCalls_areABug() throws Exception {
        SecretHandshake.Server server = new SecretHandshake.Server(APP, serverKeys);
        assertThatThrownBy(server::accept).isInstanceOf(IllegalStateException.class);
        SecretHandshake.Client client = new SecretHandshake.Client(APP, clientKeys, serverKeys.publicKey());
        assertThatThrownBy(() -> client.readServerAccept(new byte[80])).isInstanceOf(IllegalStateException.class);
    }
}
