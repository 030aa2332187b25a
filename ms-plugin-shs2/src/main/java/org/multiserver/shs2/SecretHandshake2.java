package org.multiserver.shs2;

import static org.multiserver.shs2.Crypto.KEY_BYTES;
import static org.multiserver.shs2.Crypto.SIGNATURE_BYTES;
import static org.multiserver.shs2.Crypto.concat;
import static org.multiserver.shs2.Crypto.hash;
import static org.multiserver.shs2.Crypto.wipe;

import java.util.Arrays;
import java.util.Objects;

/**
 * Secret Handshake v2 as the JS reference (secret-handshake2 0.0.2) runs it, as a pure state machine over byte
 * arrays: no I/O, no threads, one instance per connection and side. The formulas are SHS2.md section 2:
 *
 * <pre>
 *   1  initiator -> responder   64  a_p | Auth(N, a_p)
 *   2  responder -> initiator   64  b_p | Auth(Hash(N | ab), b_p)
 *   3  initiator -> responder  144  Encrypt(k3 = Hash(N | ab | aB | a_p | b_p), sig3 | A_p | payload)
 *                                   sig3 = Sign(A_s, N | B_p | Hash(ab | a_p | b_p))
 *   4  responder -> initiator   80  Encrypt(k4 = Hash(N | ab | aB | Ab | a_p | b_p), Sign(B_s, N | sig3 | A_p | id))
 * </pre>
 *
 * Each step verifies before it produces anything, so a caller that sends only what a step returned sends nothing
 * after a failure. Every DH result is checked for the all-zero output of a low-order point, MACs and tags are checked
 * by libsodium in constant time. Every intermediate of the handshake is kept in a field of {@link Side} (the
 * known-answer tests compare each with the reference's) until the caller ends the handshake, either way, with
 * {@link Side#destroy()}, which wipes every secret among them. Keeping them costs no exposure: each secret kept only
 * for the tests (the hello key, our static X25519 secret, the message 3 plaintext, the final secret) follows from one
 * the handshake holds until then anyway (ab, our long-term key, sig3 and the payload, k4).
 */
final class SecretHandshake2 {
    static final int HELLO_BYTES = 64;
    static final int AUTHENTICATE_BYTES = 144;
    static final int ACCEPT_BYTES = 80;
    static final int PAYLOAD_BYTES = 32;
    private static final int AUTHENTICATE_PLAIN = SIGNATURE_BYTES + KEY_BYTES + PAYLOAD_BYTES;

    private SecretHandshake2() {
    }

    /** A step that did not verify; the handler turns it into an error naming the side and the message. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String reason) {
            super(reason, null, false, false); // expected: no stack trace
        }
    }

    /** What both sides share: the network key, our ephemeral pair, and what messages 1 and 2 established. */
    abstract static class Side {
        final byte[] networkKey;
        final LongTermKeys local;
        byte[] ephemeralSecret;
        final byte[] ephemeralPublic;
        // Every intermediate, kept for the known-answer tests (the vector name, for those named differently, after
        // the formula); the secrets among them are wiped by destroy().
        byte[] initiatorEphemeral;   // a_p
        byte[] responderEphemeral;   // b_p
        byte[] sharedAb;             // ab
        byte[] helloKey;             // responderHelloMsgKey: Hash(N | ab), the HMAC key of message 2
        byte[] handshakeId;          // Hash(ab | a_p | b_p)
        byte[] localStaticX;         // EdSkToX of our own long-term key: client|serverStaticX25519Secret
        byte[] responderStaticX;     // serverStaticX25519Public: EdPkToX(B_p), initiator only
        byte[] initiatorStaticX;     // clientStaticX25519Public: EdPkToX(A_p), responder only
        byte[] sharedAB;             // aB
        byte[] sharedAb2;            // Ab: initiator static, responder ephemeral
        byte[] authenticateKey;      // k3
        byte[] authenticatePlain;    // initiatorAuthMsgPlaintext: sig3 | A_p | payload
        byte[] acceptKey;            // k4
        byte[] acceptSignature;      // responderAuthProofSig: sig4, the plaintext of message 4
        byte[] finalSecret;          // sharedSecretFinal: Hash(k4)
        byte[] toResponderNonce;     // Auth(N, b_p), all 32 bytes; the channel takes the first 12
        byte[] toInitiatorNonce;     // Auth(N, a_p), all 32 bytes; the channel takes the first 12
        byte[] initiatorHelloTag;    // Auth(N, a_p) as message 1 carried it: the same value as toInitiatorNonce
        byte[] initiatorSignature;   // sig3
        byte[] initiatorKey;         // A_p
        byte[] responderKey;         // B_p

        Side(byte[] networkKey, LongTermKeys local, byte[] ephemeralSecret) {
            Objects.requireNonNull(networkKey, "networkKey");
            if (networkKey.length != KEY_BYTES) {
                throw new IllegalArgumentException("a network key is 32 bytes, got " + networkKey.length);
            }
            this.networkKey = networkKey.clone();
            this.local = Objects.requireNonNull(local, "local");
            // A fresh secret per connection, stored unclamped as the reference does; X25519 clamps.
            this.ephemeralSecret = ephemeralSecret == null ? Crypto.random32() : ephemeralSecret.clone();
            this.ephemeralPublic = Crypto.dhBase(this.ephemeralSecret);
        }

        /** The keys of the Secret Channel, once message 4 is written or verified. SHS2.md, "postKnowledge". */
        final ChannelKeys channelKeys(boolean initiator) {
            finalSecret = hash(acceptKey);
            byte[] toResponderKey = hash(finalSecret, responderKey);
            byte[] toInitiatorKey = hash(finalSecret, initiatorKey);
            toResponderNonce = Crypto.auth(networkKey, responderEphemeral);
            // Message 1's tag is Auth(N, a_p): computed by the initiator, verified by the responder.
            toInitiatorNonce = initiatorHelloTag != null ? initiatorHelloTag.clone()
                    : Crypto.auth(networkKey, initiatorEphemeral);
            byte[] toResponderNonce12 = Arrays.copyOf(toResponderNonce, Crypto.NONCE_BYTES);
            byte[] toInitiatorNonce12 = Arrays.copyOf(toInitiatorNonce, Crypto.NONCE_BYTES);
            byte[] remote = (initiator ? responderKey : initiatorKey).clone();
            return initiator
                    ? new ChannelKeys(toResponderKey, toResponderNonce12, toInitiatorKey, toInitiatorNonce12, remote)
                    : new ChannelKeys(toInitiatorKey, toInitiatorNonce12, toResponderKey, toResponderNonce12, remote);
        }

        final byte[] proof3() {
            return concat(networkKey, responderKey, handshakeId);
        }

        final byte[] proof4() {
            return concat(networkKey, initiatorSignature, initiatorKey, handshakeId);
        }

        final byte[] deriveAuthenticateKey() {
            return hash(networkKey, sharedAb, sharedAB, initiatorEphemeral, responderEphemeral);
        }

        final byte[] deriveAcceptKey() {
            return hash(networkKey, sharedAb, sharedAB, sharedAb2, initiatorEphemeral, responderEphemeral);
        }

        /**
         * Wipes every secret; the instance is unusable afterwards. The caller calls it once the handshake ended,
         * failed or succeeded (the channel keys returned before are copies and stay valid).
         */
        final void destroy() {
            wipe(ephemeralSecret, sharedAb, helloKey, handshakeId, localStaticX, sharedAB, sharedAb2, authenticateKey,
                    authenticatePlain, acceptKey, finalSecret);
        }
    }

    /** The side that dials and knows the responder's key beforehand. */
    static final class Initiator extends Side {
        private final byte[] payload;

        /**
         * @param payload the 32-byte auth payload, or null for none (sent as 32 zero bytes, as the reference does)
         * @param ephemeralSecret null for a fresh one; fixed only in known-answer tests
         */
        Initiator(byte[] networkKey, LongTermKeys local, byte[] responderKey, byte[] payload, byte[] ephemeralSecret) {
            super(networkKey, local, ephemeralSecret);
            if (responderKey.length != KEY_BYTES) {
                throw new IllegalArgumentException("a server key is 32 bytes, got " + responderKey.length);
            }
            if (payload != null && payload.length != PAYLOAD_BYTES) {
                throw new IllegalArgumentException("an auth payload is 32 bytes, got " + payload.length);
            }
            this.responderKey = responderKey.clone();
            this.initiatorKey = local.publicKey.clone();
            this.initiatorEphemeral = ephemeralPublic;
            this.payload = payload == null ? new byte[PAYLOAD_BYTES] : payload.clone();
        }

        /** Message 1. */
        byte[] hello() {
            initiatorHelloTag = Crypto.auth(networkKey, ephemeralPublic);
            return concat(ephemeralPublic, initiatorHelloTag);
        }

        /** Verifies message 2 and returns message 3. */
        byte[] readHello(byte[] msg2) throws Failure {
            byte[] b = Arrays.copyOfRange(msg2, 0, KEY_BYTES);
            byte[] tag = Arrays.copyOfRange(msg2, KEY_BYTES, HELLO_BYTES);
            sharedAb = Crypto.dh(ephemeralSecret, b); // the reference computes ab before it checks the tag
            if (sharedAb == null) {
                throw new Failure("it carries a low-order ephemeral key");
            }
            helloKey = hash(networkKey, sharedAb);
            if (!Crypto.authVerify(helloKey, b, tag)) {
                throw new Failure("its auth tag is invalid: wrong network key, or the server does not speak shs2");
            }
            responderEphemeral = b;
            handshakeId = hash(sharedAb, initiatorEphemeral, responderEphemeral);
            responderStaticX = Crypto.edPublicToX(responderKey);
            if (responderStaticX == null) {
                throw new Failure("the server key we dial is not a valid Ed25519 key");
            }
            sharedAB = Crypto.dh(ephemeralSecret, responderStaticX);
            if (sharedAB == null) {
                throw new Failure("the server key we dial has low order");
            }
            byte[] proof = proof3();
            initiatorSignature = Crypto.sign(local.secretKey, proof);
            authenticatePlain = concat(initiatorSignature, initiatorKey, payload);
            authenticateKey = deriveAuthenticateKey();
            byte[] msg3 = Crypto.encryptZeroNonce(authenticateKey, authenticatePlain);
            wipe(proof);
            return msg3;
        }

        /** Verifies message 4; the keys of the channel follow. The caller then wipes the rest with destroy(). */
        ChannelKeys readAccept(byte[] msg4) throws Failure {
            localStaticX = local.curveSecret();
            sharedAb2 = Crypto.dh(localStaticX, responderEphemeral);
            if (sharedAb2 == null) {
                throw new Failure("the server's ephemeral key has low order"); // unreachable: message 2 checked it
            }
            acceptKey = deriveAcceptKey();
            acceptSignature = Crypto.decryptZeroNonce(acceptKey, msg4);
            if (acceptSignature == null) {
                throw new Failure("it does not decrypt: damaged, or not from the server we dialled");
            }
            byte[] proof = proof4();
            boolean valid = Crypto.verify(responderKey, proof, acceptSignature);
            wipe(proof);
            if (!valid) {
                throw new Failure("the server's signature is invalid");
            }
            return channelKeys(true);
        }
    }

    /** The side that accepts; it learns the initiator's key from message 3. */
    static final class Responder extends Side {
        /** The initiator's 32-byte auth payload (zeros when it sent none), once message 3 verified. */
        byte[] payload;

        Responder(byte[] networkKey, LongTermKeys local, byte[] ephemeralSecret) {
            super(networkKey, local, ephemeralSecret);
            this.responderKey = local.publicKey.clone();
            this.responderEphemeral = ephemeralPublic;
        }

        /** Verifies message 1 and returns message 2. */
        byte[] readHello(byte[] msg1) throws Failure {
            byte[] a = Arrays.copyOfRange(msg1, 0, KEY_BYTES);
            byte[] tag = Arrays.copyOfRange(msg1, KEY_BYTES, HELLO_BYTES);
            if (!Crypto.authVerify(networkKey, a, tag)) {
                throw new Failure("its auth tag is invalid: wrong network key, or the client does not speak shs2");
            }
            initiatorHelloTag = tag;
            sharedAb = Crypto.dh(ephemeralSecret, a);
            if (sharedAb == null) {
                throw new Failure("it carries a low-order ephemeral key");
            }
            initiatorEphemeral = a;
            handshakeId = hash(sharedAb, initiatorEphemeral, responderEphemeral);
            helloKey = hash(networkKey, sharedAb);
            return concat(ephemeralPublic, Crypto.auth(helloKey, ephemeralPublic));
        }

        /** Verifies message 3; returns the initiator's long-term key. Authorize it before {@link #accept()}. */
        byte[] readAuthenticate(byte[] msg3) throws Failure {
            localStaticX = local.curveSecret();
            sharedAB = Crypto.dh(localStaticX, initiatorEphemeral);
            if (sharedAB == null) {
                throw new Failure("the client's ephemeral key has low order"); // unreachable: message 1 checked it
            }
            authenticateKey = deriveAuthenticateKey();
            byte[] plain = Crypto.decryptZeroNonce(authenticateKey, msg3);
            if (plain == null) {
                throw new Failure("it does not decrypt: the client dialled another server key, or it was damaged");
            }
            authenticatePlain = plain;
            if (plain.length != AUTHENTICATE_PLAIN) {
                throw new Failure("its plaintext is " + plain.length + " bytes, not " + AUTHENTICATE_PLAIN);
            }
            byte[] signature = Arrays.copyOfRange(plain, 0, SIGNATURE_BYTES);
            byte[] clientKey = Arrays.copyOfRange(plain, SIGNATURE_BYTES, SIGNATURE_BYTES + KEY_BYTES);
            byte[] clientPayload = Arrays.copyOfRange(plain, SIGNATURE_BYTES + KEY_BYTES, AUTHENTICATE_PLAIN);
            byte[] proof = proof3();
            boolean valid = Crypto.verify(clientKey, proof, signature);
            wipe(proof);
            if (!valid) {
                throw new Failure("the client's signature is invalid");
            }
            initiatorSignature = signature;
            initiatorKey = clientKey;
            payload = clientPayload;
            return clientKey.clone();
        }

        /** Message 4, after the initiator was authorized; {@link #channelKeys} follow. */
        byte[] accept() throws Failure {
            initiatorStaticX = Crypto.edPublicToX(initiatorKey);
            if (initiatorStaticX == null) {
                throw new Failure("the client's long-term key is not a valid Ed25519 key");
            }
            sharedAb2 = Crypto.dh(ephemeralSecret, initiatorStaticX);
            if (sharedAb2 == null) {
                throw new Failure("the client's long-term key has low order");
            }
            byte[] proof = proof4();
            acceptSignature = Crypto.sign(local.secretKey, proof);
            acceptKey = deriveAcceptKey();
            byte[] msg4 = Crypto.encryptZeroNonce(acceptKey, acceptSignature);
            wipe(proof);
            return msg4;
        }

        /** The channel's keys after {@link #accept()}; the caller then wipes the rest with destroy(). */
        ChannelKeys keys() {
            return channelKeys(false);
        }
    }
}
