package org.multiserver.shs2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * An shs2 client run by hand over a plain {@link Socket}, for tests that play hostile or broken peers against a real
 * server. The handshake messages come from the package-private {@link SecretHandshake2.Initiator}, so they are
 * exactly what an honest client sends until a test changes them; after message 4 it seals its own Secret Channel
 * chunks with plain libsodium calls on byte arrays (not {@link ChannelCipher}, so the server's decoder is checked
 * against an independent sealer), one nonce per chunk, incremented as a 12-byte little-endian number.
 *
 * <p>Also the small socket chores every hostile test needs: dialling an address's net stack, reading until the
 * server hangs up, a reset instead of a FIN.
 */
final class RawShs2Client {
    /** The SSB main network key, the transform's default. */
    static final byte[] SSB_NETWORK = KeyText.parse32(Shs2TransformProvider.SSB_MAIN_NETWORK);

    final byte[] networkKey;
    final LongTermKeys keys;
    final SecretHandshake2.Initiator initiator;
    private byte[] sealKey;
    private byte[] sealNonce;
    /** Chunks sealed so far (the next one is number {@code sealed + 1}). */
    private int sealed;

    /** A client with its own key pair, dialling {@code serverKey} on {@code networkKey} with {@code payload}. */
    RawShs2Client(byte[] networkKey, LongTermKeys keys, byte[] serverKey, byte[] payload) {
        this.networkKey = networkKey.clone();
        this.keys = keys;
        this.initiator = new SecretHandshake2.Initiator(networkKey, keys, serverKey, payload, null);
    }

    /** An honest client with a fresh key pair on the SSB main network, no payload. */
    RawShs2Client(byte[] serverKey) {
        this(SSB_NETWORK, freshKeys(), serverKey, null);
    }

    static LongTermKeys freshKeys() {
        return LongTermKeys.fromSeed(Crypto.random32());
    }

    // ---- the handshake ----

    /** Message 1 (64 bytes). */
    byte[] message1() {
        return initiator.hello();
    }

    /** Verifies message 2 and returns the honest message 3 (144 bytes). */
    byte[] message3(byte[] message2) throws SecretHandshake2.Failure {
        return initiator.readHello(message2);
    }

    /**
     * Verifies message 2, then boxes a plaintext of our choosing under the real k3, so the server can decrypt it and
     * must judge what is inside. {@code plaintext} gets proof3 (N | B_p | handshake id) and returns the 128 bytes
     * {@code sig3 | A_p | payload} to send.
     */
    byte[] message3With(byte[] message2, UnaryOperator<byte[]> plaintext) throws SecretHandshake2.Failure {
        initiator.readHello(message2);
        return Crypto.encryptZeroNonce(initiator.authenticateKey, plaintext.apply(initiator.proof3()));
    }

    /** Verifies message 4; afterwards {@link #chunk} and friends seal our side of the Secret Channel. */
    void readMessage4(byte[] message4) throws SecretHandshake2.Failure {
        ChannelKeys channel = initiator.readAccept(message4);
        initiator.destroy();
        sealKey = channel.encryptKey.clone();
        sealNonce = channel.encryptNonce.clone();
    }

    /** The whole handshake as an honest client over {@code socket}. */
    void handshake(Socket socket) throws IOException, SecretHandshake2.Failure {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(message1());
        out.flush();
        out.write(message3(readExactly(in, SecretHandshake2.HELLO_BYTES, "message 2")));
        out.flush();
        readMessage4(readExactly(in, SecretHandshake2.ACCEPT_BYTES, "message 4"));
    }

    static byte[] readExactly(InputStream in, int n, String what) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new IOException("the server sent " + bytes.length + " bytes of " + what + " (" + n + ") and ended");
        }
        return bytes;
    }

    // ---- the Secret Channel, our side ----

    /** Chunks sealed so far. */
    int sealed() {
        return sealed;
    }

    /** The next chunk: {@code plain} (2 bytes for a length, the content for a content chunk) and its tag. */
    byte[] chunk(byte[] plain) {
        if (sealKey == null) {
            throw new IllegalStateException("no Secret Channel before message 4");
        }
        byte[] cipher = new byte[plain.length + Crypto.TAG_BYTES];
        long[] length = new long[1];
        Crypto.require(Crypto.SODIUM.crypto_aead_chacha20poly1305_ietf_encrypt(cipher, length, plain, plain.length,
                null, 0, null, sealNonce, sealKey), "crypto_aead_chacha20poly1305_ietf_encrypt");
        increment(sealNonce);
        sealed++;
        return cipher;
    }

    /** A length chunk announcing {@code length} content bytes (0 is end-of-stream). */
    byte[] lengthChunk(int length) {
        return chunk(new byte[] {(byte) (length >>> 8), (byte) length});
    }

    /** The end-of-stream chunk. */
    byte[] endOfStream() {
        return lengthChunk(0);
    }

    /** One write as an honest encrypter seals it (1 to 65535 bytes): its length chunk, then its content chunk. */
    byte[] write(byte[] content) {
        if (content.length == 0 || content.length > ChannelCipher.MAX_CONTENT) {
            throw new IllegalArgumentException("one chunk carries 1 to 65535 bytes, not " + content.length);
        }
        return concat(lengthChunk(content.length), chunk(content));
    }

    /** sodium_increment: the nonce as one little-endian number, plus one. */
    static void increment(byte[] nonce) {
        for (int i = 0; i < nonce.length; i++) {
            if (++nonce[i] != 0) {
                return;
            }
        }
    }

    // ---- sockets ----

    /** The port of a {@code net:127.0.0.1:<port>~...} address. */
    static int port(String address) {
        String net = address.split(";")[0].split("~")[0];
        return Integer.parseInt(net.substring(net.lastIndexOf(':') + 1));
    }

    /** The server key of an address whose last section is {@code shs2:<key>}. */
    static byte[] serverKey(String address) {
        String shs2 = address.substring(address.lastIndexOf("~shs2:") + "~shs2:".length());
        int colon = shs2.indexOf(':');
        return KeyText.parse32(colon < 0 ? shs2 : shs2.substring(0, colon));
    }

    /**
     * A raw socket to 127.0.0.1 at the net port of {@code address}, without Nagle (so separate writes tend to leave
     * as separate segments), with a read timeout so no read can hang a test.
     */
    static Socket dial(String address, Duration readTimeout) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port(address)), 5_000);
        s.setSoTimeout((int) readTimeout.toMillis());
        return s;
    }

    /** Writes and flushes; false when the server had closed already (a rejection may come before our last byte). */
    static boolean send(Socket s, byte[] bytes) {
        return send(s, bytes, 0, bytes.length);
    }

    static boolean send(Socket s, byte[] bytes, int from, int to) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(bytes, from, to - from);
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Ends our output with a FIN; the server may have closed already. */
    static void fin(Socket s) {
        try {
            s.shutdownOutput();
        } catch (IOException e) {
            // closed by the server first: that is an end too
        }
    }

    /** Ends the connection with a TCP reset (linger 0) instead of a FIN. */
    static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    /**
     * Reads until the server closes; returns what it sent meanwhile. A reset counts as a close (the server closed
     * with our bytes unread); a read timeout is the server keeping a connection it should have dropped.
     */
    static byte[] readUntilClosed(Socket s) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            InputStream in = s.getInputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open past the read timeout, having sent "
                    + got.size() + " bytes", e);
        } catch (SocketException e) {
            // connection reset: closed all the same
        }
        return got.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        return Crypto.concat(parts);
    }

    static byte[] flip(byte[] bytes, int bit) {
        byte[] out = bytes.clone();
        out[bit / 8] ^= (byte) (1 << (bit % 8));
        return out;
    }

    static byte[] prefix(byte[] bytes, int length) {
        return Arrays.copyOf(bytes, length);
    }
}
