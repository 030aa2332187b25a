package org.multiserver.shs;

import static org.multiserver.shs.NativeSodium.KEY_BYTES;
import static org.multiserver.shs.NativeSodium.SODIUM;
import static org.multiserver.shs.NativeSodium.wipe;

import java.util.Arrays;
import java.util.Objects;

/**
 * Secret handshake v1 as JS {@code secret-handshake} 1.1.21 runs it ({@code crypto.js}), as a pure state machine
 * over byte arrays: no I/O, no threads, one instance per connection and side.
 *
 * <pre>
 *   1  client -> server   64 bytes   hmac(appKey, a) | a                      a, b: ephemeral X25519 keys
 *   2  server -> client   64 bytes   hmac(appKey, b) | b                      A, B: long-term Ed25519 keys
 *   3  client -> server  112 bytes   secretbox(sig_A(appKey|B|sha256(ab)) | A, key = sha256(appKey|ab|aB))
 *   4  server -> client   80 bytes   secretbox(sig_B(appKey|msg3 plain|sha256(ab)), key = sha256(appKey|ab|aB|Ab))
 * </pre>
 *
 * Afterwards each side encrypts with {@code sha256(sha256(secret3) | their key)} starting at the first 24 bytes of
 * the peer's challenge MAC, and decrypts with the same built from its own key and MAC. Where the paper and the JS
 * code differ the code wins: the JS derives its ephemeral key from an Ed25519 seed, which on the wire is just an
 * X25519 key, so we generate X25519 keys directly.
 *
 * <p>Hardening beyond the JS: every libsodium return code is checked; a peer ephemeral or long-term key of low
 * order (an all-zero shared secret) ends the handshake instead of throwing out of a callback; MACs, boxes and
 * signatures are verified by libsodium in constant time; every intermediate secret is wiped as soon as it is used.
 */
final class SecretHandshake {
    static final int CHALLENGE_BYTES = 64;
    static final int CLIENT_AUTH_BYTES = 112;
    static final int SERVER_ACCEPT_BYTES = 80;
    private static final int HELLO_BYTES = 96; // signature | client public key

    private SecretHandshake() {
    }

    /** Shared by both sides: the app key, our ephemeral pair, and the secrets derived from message 1 and 2. */
    private abstract static class Side {
        final byte[] appKey;
        final ShsKeyPair local;
        final byte[] ephemeralPublic;
        byte[] ephemeralSecret;
        byte[] localChallengeMac;
        byte[] remoteEphemeral;
        byte[] remoteChallengeMac;
        byte[] sharedAb;       // X25519(a, b)
        byte[] sharedHash;     // sha256(ab)
        byte[] sharedLongAb;   // X25519(a, B) on the client = X25519(B, a) on the server
        byte[] secret3;        // sha256(appKey | ab | aB | Ab): the last handshake key
        byte[] hello;          // plain message 3: signature | client public key

        Side(byte[] appKey, ShsKeyPair local, byte[] ephemeralSecret) {
            Objects.requireNonNull(appKey, "appKey");
            if (appKey.length != KEY_BYTES) {
                throw new IllegalArgumentException("an app key is 32 bytes, got " + appKey.length);
            }
            this.appKey = appKey.clone();
            this.local = Objects.requireNonNull(local, "local");
            if (ephemeralSecret == null) {
                // Fresh per connection: crypto_box_keypair draws the secret from the OS CSPRNG.
                this.ephemeralSecret = new byte[KEY_BYTES];
                this.ephemeralPublic = new byte[KEY_BYTES];
                NativeSodium.require(SODIUM.crypto_box_keypair(ephemeralPublic, this.ephemeralSecret),
                        "crypto_box_keypair");
            } else {
                this.ephemeralSecret = ephemeralSecret.clone();
                this.ephemeralPublic = new byte[KEY_BYTES];
                NativeSodium.require(SODIUM.crypto_scalarmult_base(ephemeralPublic, this.ephemeralSecret),
                        "crypto_scalarmult_base");
            }
            this.localChallengeMac = NativeSodium.auth(ephemeralPublic, this.appKey);
        }

        /** Our challenge: the app-key MAC of our ephemeral public key, then the key. */
        final byte[] challenge() {
            return NativeSodium.concat(localChallengeMac, ephemeralPublic);
        }

        /** Verifies the peer's challenge and derives ab; returns a reason when it is unusable, else null. */
        final String acceptChallenge(byte[] message) {
            requireLength(message, CHALLENGE_BYTES);
            byte[] mac = Arrays.copyOfRange(message, 0, 32);
            byte[] remote = Arrays.copyOfRange(message, 32, 64);
            if (!NativeSodium.authVerify(mac, remote, appKey)) {
                return "wrong app key, or the peer does not speak shs";
            }
            byte[] ab = NativeSodium.scalarMult(ephemeralSecret, remote);
            if (ab == null) {
                return "its ephemeral key is of low order";
            }
            remoteEphemeral = remote;
            remoteChallengeMac = mac;
            sharedAb = ab;
            sharedHash = NativeSodium.sha256(ab);
            return null;
        }

        /** The box-stream keys; wipes everything the handshake still holds. */
        final BoxStreamKeys finish(byte[] remotePublicKey) {
            byte[] sessionSecret = NativeSodium.sha256(secret3);
            byte[] encryptKey = NativeSodium.sha256(sessionSecret, remotePublicKey);
            byte[] decryptKey = NativeSodium.sha256(sessionSecret, local.publicKeyUnsafe());
            BoxStreamKeys keys = new BoxStreamKeys(encryptKey, Arrays.copyOf(remoteChallengeMac, 24),
                    decryptKey, Arrays.copyOf(localChallengeMac, 24), remotePublicKey.clone());
            wipe(sessionSecret);
            destroy();
            return keys;
        }

        /** Wipes every secret; safe to call more than once, and the only thing to call on a failed handshake. */
        final void destroy() {
            wipe(ephemeralSecret, sharedAb, sharedHash, sharedLongAb, secret3, hello);
            ephemeralSecret = null;
            sharedAb = null;
            sharedHash = null;
            sharedLongAb = null;
            secret3 = null;
            hello = null;
        }

        final void requireState(boolean ok, String step) {
            if (!ok) {
                throw new IllegalStateException("secret handshake: " + step + " out of order");
            }
        }
    }

    /** Alice: knows the server's public key before dialling. */
    static final class Client extends Side {
        private final byte[] serverPublicKey;
        private final byte[] serverCurveKey;
        private int step;

        /**
         * @throws HandshakeException when the server key cannot be a peer's key (it is of low order or not a point)
         */
        Client(byte[] appKey, ShsKeyPair local, byte[] serverPublicKey) throws HandshakeException {
            this(appKey, local, serverPublicKey, null);
        }

        /** With a fixed ephemeral secret key, for known-answer tests only. */
        Client(byte[] appKey, ShsKeyPair local, byte[] serverPublicKey, byte[] ephemeralSecret)
                throws HandshakeException {
            super(appKey, local, ephemeralSecret);
            Objects.requireNonNull(serverPublicKey, "serverPublicKey");
            if (serverPublicKey.length != KEY_BYTES) {
                throw new IllegalArgumentException("a server key is 32 bytes, got " + serverPublicKey.length);
            }
            this.serverPublicKey = serverPublicKey.clone();
            this.serverCurveKey = NativeSodium.curvePublicKey(this.serverPublicKey);
            if (serverCurveKey == null) {
                destroy();
                throw new HandshakeException("shs: the server key " + KeyText.format(serverPublicKey)
                        + " is not a usable Ed25519 public key (before message 1)");
            }
        }

        /** Message 1. */
        byte[] clientChallenge() {
            requireState(step == 0, "client challenge");
            step = 1;
            return challenge();
        }

        /** Verifies message 2 and returns message 3. */
        byte[] readServerChallenge(byte[] message2) throws HandshakeException {
            requireState(step == 1, "server challenge");
            step = 2;
            String problem = acceptChallenge(message2);
            if (problem != null) {
                destroy();
                throw new HandshakeException("shs: server challenge invalid (message 2): " + problem);
            }
            sharedLongAb = NativeSodium.scalarMult(ephemeralSecret, serverCurveKey);
            if (sharedLongAb == null) {
                destroy(); // unreachable for a key that passed curvePublicKey; checked all the same
                throw new HandshakeException("shs: server key is of low order (message 2)");
            }
            byte[] secret2 = NativeSodium.sha256(appKey, sharedAb, sharedLongAb);
            byte[] signed = NativeSodium.concat(appKey, serverPublicKey, sharedHash);
            byte[] signature = NativeSodium.sign(signed, local.secretKeyUnsafe());
            hello = NativeSodium.concat(signature, local.publicKeyUnsafe());
            byte[] message3 = NativeSodium.secretBoxZeroNonce(hello, secret2);
            wipe(secret2, signed);
            return message3;
        }

        /** Verifies message 4: the server proved it holds the key we dialled. */
        BoxStreamKeys readServerAccept(byte[] message4) throws HandshakeException {
            requireState(step == 2, "server accept");
            step = 3;
            requireLength(message4, SERVER_ACCEPT_BYTES);
            byte[] localCurveSecret = NativeSodium.curveSecretKey(local.secretKeyUnsafe());
            byte[] sharedAlongB = NativeSodium.scalarMult(localCurveSecret, remoteEphemeral);
            wipe(localCurveSecret);
            if (sharedAlongB == null) {
                destroy();
                throw new HandshakeException("shs: server accept invalid (message 4): its ephemeral key is of low"
                        + " order");
            }
            secret3 = NativeSodium.sha256(appKey, sharedAb, sharedLongAb, sharedAlongB);
            wipe(sharedAlongB);
            byte[] signature = NativeSodium.secretOpenZeroNonce(message4, secret3);
            byte[] signed = NativeSodium.concat(appKey, hello, sharedHash);
            boolean valid = signature != null && NativeSodium.verify(signature, signed, serverPublicKey);
            wipe(signed);
            if (!valid) {
                destroy();
                throw new HandshakeException("shs: server accept invalid (message 4): the server did not prove it"
                        + " holds the key we dialled");
            }
            return finish(serverPublicKey);
        }
    }

    /** Bob: learns who the client is from message 3. */
    static final class Server extends Side {
        private byte[] clientPublicKey;
        private int step;

        Server(byte[] appKey, ShsKeyPair local) {
            this(appKey, local, null);
        }

        /** With a fixed ephemeral secret key, for known-answer tests only. */
        Server(byte[] appKey, ShsKeyPair local, byte[] ephemeralSecret) {
            super(appKey, local, ephemeralSecret);
        }

        /** Verifies message 1 and returns message 2. */
        byte[] readClientChallenge(byte[] message1) throws HandshakeException {
            requireState(step == 0, "client challenge");
            step = 1;
            String problem = acceptChallenge(message1);
            if (problem != null) {
                destroy();
                throw new HandshakeException("shs: client challenge invalid (message 1): " + problem);
            }
            return challenge();
        }

        /**
         * Verifies message 3.
         *
         * @return the client's long-term public key (a copy), for the authorize decision
         */
        byte[] readClientAuth(byte[] message3) throws HandshakeException {
            requireState(step == 1, "client auth");
            step = 2;
            requireLength(message3, CLIENT_AUTH_BYTES);
            byte[] localCurveSecret = NativeSodium.curveSecretKey(local.secretKeyUnsafe());
            sharedLongAb = NativeSodium.scalarMult(localCurveSecret, remoteEphemeral);
            wipe(localCurveSecret);
            if (sharedLongAb == null) {
                destroy(); // unreachable: message 1 already rejected a low-order ephemeral key
                throw new HandshakeException("shs: client auth invalid (message 3): low-order ephemeral key");
            }
            byte[] secret2 = NativeSodium.sha256(appKey, sharedAb, sharedLongAb);
            hello = NativeSodium.secretOpenZeroNonce(message3, secret2);
            wipe(secret2);
            if (hello == null) {
                destroy();
                throw new HandshakeException("shs: client auth invalid (message 3): the client dialled another"
                        + " server key (or the peer does not speak shs)");
            }
            byte[] signature = Arrays.copyOfRange(hello, 0, 64);
            byte[] clientKey = Arrays.copyOfRange(hello, 64, HELLO_BYTES);
            byte[] signed = NativeSodium.concat(appKey, local.publicKeyUnsafe(), sharedHash);
            boolean valid = NativeSodium.verify(signature, signed, clientKey);
            wipe(signed);
            if (!valid) {
                destroy();
                throw new HandshakeException("shs: client auth invalid (message 3): the client's signature does not"
                        + " verify");
            }
            byte[] clientCurveKey = NativeSodium.curvePublicKey(clientKey);
            byte[] sharedAlongB = clientCurveKey == null ? null
                    : NativeSodium.scalarMult(ephemeralSecret, clientCurveKey);
            if (sharedAlongB == null) {
                destroy();
                throw new HandshakeException("shs: client auth invalid (message 3): the client key is not a usable"
                        + " Ed25519 key");
            }
            secret3 = NativeSodium.sha256(appKey, sharedAb, sharedLongAb, sharedAlongB);
            wipe(sharedAlongB);
            clientPublicKey = clientKey;
            return clientKey.clone();
        }

        /** Message 4, to send once the client is authorized, and the box-stream keys. */
        Accepted accept() {
            requireState(step == 2, "server accept");
            step = 3;
            byte[] signed = NativeSodium.concat(appKey, hello, sharedHash);
            byte[] signature = NativeSodium.sign(signed, local.secretKeyUnsafe());
            byte[] message4 = NativeSodium.secretBoxZeroNonce(signature, secret3);
            wipe(signed, signature);
            return new Accepted(message4, finish(clientPublicKey));
        }
    }

    /** The server's last message and the keys it leads to. */
    record Accepted(byte[] message4, BoxStreamKeys keys) {
    }

    private static void requireLength(byte[] message, int length) {
        if (message == null || message.length != length) {
            throw new IllegalArgumentException("expected a message of " + length + " bytes, got "
                    + (message == null ? "null" : message.length));
        }
    }
}
