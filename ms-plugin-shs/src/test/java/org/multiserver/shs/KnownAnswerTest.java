package org.multiserver.shs;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Every message, key and nonce of the published vectors: shs1-c (AljoschaMeyer/shs1-c), PySecretHandshake and
 * box-stream-c. Our handshake runs with the vectors' ephemeral keys injected; everything else is computed.
 */
class KnownAnswerTest {

    @Test
    void shs1c_everyMessageKeyAndNonce() throws Exception {
        Vectors v = Vectors.load("shs1-c-kat.json");
        byte[] app = v.bytes("app");
        ShsKeyPair clientKeys = ShsKeyPair.fromSecretKey(v.bytes("client_sec"));
        ShsKeyPair serverKeys = ShsKeyPair.fromSecretKey(v.bytes("server_sec"));
        assertThat(clientKeys.publicKey()).isEqualTo(v.bytes("client_pub"));
        assertThat(serverKeys.publicKey()).isEqualTo(v.bytes("server_pub"));

        SecretHandshake.Client client = new SecretHandshake.Client(app, clientKeys, v.bytes("server_pub"),
                v.bytes("client_eph_sec"));
        SecretHandshake.Server server = new SecretHandshake.Server(app, serverKeys, v.bytes("server_eph_sec"));

        byte[] msg1 = client.clientChallenge();
        assertThat(hex(msg1)).isEqualTo(hex(v.bytes("expected_client_challenge")));
        assertThat(Arrays.copyOfRange(msg1, 32, 64)).isEqualTo(v.bytes("client_eph_pub"));
        byte[] msg2 = server.readClientChallenge(msg1);
        assertThat(hex(msg2)).isEqualTo(hex(v.bytes("expected_server_challenge")));
        assertThat(Arrays.copyOfRange(msg2, 32, 64)).isEqualTo(v.bytes("server_eph_pub"));
        byte[] msg3 = client.readServerChallenge(msg2);
        assertThat(hex(msg3)).isEqualTo(hex(v.bytes("expected_client_auth")));
        assertThat(server.readClientAuth(msg3)).isEqualTo(v.bytes("client_pub"));
        SecretHandshake.Accepted accepted = server.accept();
        assertThat(hex(accepted.message4())).isEqualTo(hex(v.bytes("expected_server_ack")));
        BoxStreamKeys clientSide = client.readServerAccept(accepted.message4());
        BoxStreamKeys serverSide = accepted.keys();

        assertThat(hex(clientSide.encryptKey)).isEqualTo(hex(v.bytes("expected_client_encryption_key")));
        assertThat(hex(clientSide.encryptNonce)).isEqualTo(hex(v.bytes("expected_client_encryption_nonce")));
        assertThat(hex(clientSide.decryptKey)).isEqualTo(hex(v.bytes("expected_client_decryption_key")));
        assertThat(hex(clientSide.decryptNonce)).isEqualTo(hex(v.bytes("expected_client_decryption_nonce")));
        assertThat(hex(serverSide.encryptKey)).isEqualTo(hex(v.bytes("expected_server_encryption_key")));
        assertThat(hex(serverSide.encryptNonce)).isEqualTo(hex(v.bytes("expected_server_encryption_nonce")));
        assertThat(hex(serverSide.decryptKey)).isEqualTo(hex(v.bytes("expected_server_decryption_key")));
        assertThat(hex(serverSide.decryptNonce)).isEqualTo(hex(v.bytes("expected_server_decryption_nonce")));
        assertThat(clientSide.remotePublicKey).isEqualTo(v.bytes("server_pub"));
        assertThat(serverSide.remotePublicKey).isEqualTo(v.bytes("client_pub"));
    }

    @Test
    void pySecretHandshake_everyMessageKeyAndNonce() throws Exception {
        Vectors v = Vectors.load("pysecrethandshake-kat.json");
        byte[] app = v.bytes("APP_KEY");
        ShsKeyPair serverKeys = ShsKeyPair.fromSeed(v.bytes("SERVER_KEY_SEED"));
        ShsKeyPair clientKeys = ShsKeyPair.fromSeed(v.bytes("CLIENT_KEY_SEED"));

        SecretHandshake.Client client = new SecretHandshake.Client(app, clientKeys, serverKeys.publicKey(),
                v.bytes("CLIENT_EPH_KEY_SEED"));
        SecretHandshake.Server server = new SecretHandshake.Server(app, serverKeys, v.bytes("SERVER_EPH_KEY_SEED"));

        byte[] msg1 = client.clientChallenge();
        assertThat(hex(msg1)).isEqualTo(hex(v.bytes("CLIENT_CHALLENGE")));
        byte[] msg2 = server.readClientChallenge(msg1);
        assertThat(hex(msg2)).isEqualTo(hex(v.bytes("SERVER_CHALLENGE")));
        byte[] msg3 = client.readServerChallenge(msg2);
        assertThat(hex(msg3)).isEqualTo(hex(v.bytes("CLIENT_AUTH")));
        assertThat(server.readClientAuth(msg3)).isEqualTo(clientKeys.publicKey());
        SecretHandshake.Accepted accepted = server.accept();
        assertThat(hex(accepted.message4())).isEqualTo(hex(v.bytes("SERVER_ACCEPT")));
        BoxStreamKeys keys = client.readServerAccept(accepted.message4());

        assertThat(hex(keys.encryptKey)).isEqualTo(hex(v.bytes("CLIENT_ENCRYPT_KEY")));
        assertThat(hex(keys.decryptKey)).isEqualTo(hex(v.bytes("CLIENT_DECRYPT_KEY")));
        assertThat(hex(keys.encryptNonce)).isEqualTo(hex(v.bytes("CLIENT_ENCRYPT_NONCE")));
        assertThat(hex(keys.decryptNonce)).isEqualTo(hex(v.bytes("CLIENT_DECRYPT_NONCE")));
        // The server's directions are the client's, swapped.
        assertThat(accepted.keys().encryptKey).isEqualTo(keys.decryptKey);
        assertThat(accepted.keys().decryptKey).isEqualTo(keys.encryptKey);
        assertThat(accepted.keys().encryptNonce).isEqualTo(keys.decryptNonce);
        assertThat(accepted.keys().decryptNonce).isEqualTo(keys.encryptNonce);
    }

    /** The intermediate secrets PySecretHandshake publishes, rebuilt from the primitives our handshake uses. */
    @Test
    void pySecretHandshake_intermediateSecrets() {
        Vectors v = Vectors.load("pysecrethandshake-kat.json");
        byte[] app = v.bytes("APP_KEY");
        ShsKeyPair serverKeys = ShsKeyPair.fromSeed(v.bytes("SERVER_KEY_SEED"));
        ShsKeyPair clientKeys = ShsKeyPair.fromSeed(v.bytes("CLIENT_KEY_SEED"));
        byte[] clientEph = v.bytes("CLIENT_EPH_KEY_SEED");
        byte[] serverEphPublic = Arrays.copyOfRange(v.bytes("SERVER_CHALLENGE"), 32, 64);

        byte[] ab = NativeSodium.scalarMult(clientEph, serverEphPublic);
        assertThat(hex(ab)).isEqualTo(hex(v.bytes("INTER_SHARED_SECRET")));
        byte[] aB = NativeSodium.scalarMult(clientEph, NativeSodium.curvePublicKey(serverKeys.publicKey()));
        byte[] Ab = NativeSodium.scalarMult(NativeSodium.curveSecretKey(clientKeys.secretKeyUnsafe()),
                serverEphPublic);
        byte[] boxSecret = NativeSodium.sha256(app, ab, aB, Ab);
        assertThat(hex(boxSecret)).isEqualTo(hex(v.bytes("BOX_SECRET")));
        assertThat(hex(NativeSodium.sha256(boxSecret))).isEqualTo(hex(v.bytes("SHARED_SECRET")));
    }

    @Test
    void pySecretHandshake_boxStreamFramesAndGoodbye() throws Exception {
        Vectors v = Vectors.load("pysecrethandshake-kat.json");
        BoxStreamSealer sealer = new BoxStreamSealer(v.bytes("CLIENT_ENCRYPT_KEY"), v.bytes("CLIENT_ENCRYPT_NONCE"));
        assertThat(hex(seal(sealer, "foo"))).isEqualTo(hex(v.bytes("MESSAGE_1")));
        assertThat(hex(seal(sealer, "foo"))).isEqualTo(hex(v.bytes("MESSAGE_2")));
        assertThat(hex(seal(sealer, "bar"))).isEqualTo(hex(v.bytes("MESSAGE_3")));
        assertThat(hex(goodbye(sealer))).isEqualTo(hex(v.bytes("MESSAGE_CLOSED")));

        // The server decrypts what the client encrypted: its decrypt key and nonce are the client's encrypt ones.
        BoxStreamOpener opener = new BoxStreamOpener(v.bytes("CLIENT_ENCRYPT_KEY"), v.bytes("CLIENT_ENCRYPT_NONCE"));
        ByteBuf wire = Unpooled.wrappedBuffer(v.bytes("MESSAGE_1"), v.bytes("MESSAGE_2"), v.bytes("MESSAGE_3"),
                v.bytes("MESSAGE_CLOSED"));
        try {
            assertThat(openFrame(opener, wire)).isEqualTo("foo");
            assertThat(openFrame(opener, wire)).isEqualTo("foo");
            assertThat(openFrame(opener, wire)).isEqualTo("bar");
            assertThat(opener.openHeader(wire)).isEqualTo(BoxStreamOpener.GOODBYE);
            assertThat(wire.isReadable()).isFalse();
        } finally {
            wire.release();
        }
    }

    @Test
    void boxStreamC_framesAndFinalHeader() throws Exception {
        Vectors v = Vectors.load("box-stream-c-kat.json");
        BoxStreamSealer sealer = new BoxStreamSealer(v.bytes("encryption_key"), v.bytes("encryption_nonce"));
        byte[] frame1 = sealBytes(sealer, v.bytes("plain1"));
        byte[] frame2 = sealBytes(sealer, v.bytes("plain2"));
        assertThat(hex(Arrays.copyOfRange(frame1, 0, 34))).isEqualTo(hex(v.bytes("expected_header1")));
        assertThat(hex(Arrays.copyOfRange(frame1, 34, frame1.length))).isEqualTo(hex(v.bytes("expected_packet1")));
        assertThat(hex(Arrays.copyOfRange(frame2, 0, 34))).isEqualTo(hex(v.bytes("expected_header2")));
        assertThat(hex(Arrays.copyOfRange(frame2, 34, frame2.length))).isEqualTo(hex(v.bytes("expected_packet2")));
        assertThat(hex(goodbye(sealer))).isEqualTo(hex(v.bytes("expected_final_header")));

        BoxStreamOpener opener = new BoxStreamOpener(v.bytes("decryption_key"), v.bytes("decryption_nonce"));
        ByteBuf wire = Unpooled.wrappedBuffer(v.bytes("header1"), v.bytes("packet1"), v.bytes("header2"),
                v.bytes("packet2"), v.bytes("final_header"));
        ByteBuf plain = Unpooled.buffer();
        try {
            int length = opener.openHeader(wire);
            assertThat(length).isEqualTo(8);
            opener.openBody(wire, length, plain);
            assertThat(hex(ByteBufs.drain(plain))).isEqualTo(hex(v.bytes("expected_plain1")));
            length = opener.openHeader(wire);
            opener.openBody(wire, length, plain);
            assertThat(hex(ByteBufs.drain(plain))).isEqualTo(hex(v.bytes("expected_plain2")));
            assertThat(opener.openHeader(wire)).isEqualTo(BoxStreamOpener.GOODBYE);
        } finally {
            wire.release();
            plain.release();
        }
    }

    private static byte[] seal(BoxStreamSealer sealer, String text) {
        return sealBytes(sealer, text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static byte[] sealBytes(BoxStreamSealer sealer, byte[] plain) {
        ByteBuf src = Unpooled.wrappedBuffer(plain);
        ByteBuf out = Unpooled.buffer();
        try {
            sealer.seal(src, 0, plain.length, out);
            return ByteBufs.drain(out);
        } finally {
            src.release();
            out.release();
        }
    }

    private static byte[] goodbye(BoxStreamSealer sealer) {
        ByteBuf out = Unpooled.buffer();
        try {
            sealer.goodbye(out);
            return ByteBufs.drain(out);
        } finally {
            out.release();
        }
    }

    private static String openFrame(BoxStreamOpener opener, ByteBuf wire) throws BoxStreamException {
        int length = opener.openHeader(wire);
        ByteBuf plain = Unpooled.buffer();
        try {
            opener.openBody(wire, length, plain);
            return new String(ByteBufs.drain(plain), java.nio.charset.StandardCharsets.US_ASCII);
        } finally {
            plain.release();
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
