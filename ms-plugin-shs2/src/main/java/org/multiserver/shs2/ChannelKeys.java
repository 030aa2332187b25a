package org.multiserver.shs2;

/**
 * What a finished handshake hands the Secret Channel: a key and a 12-byte starting nonce per direction (the first
 * 12 bytes of the reference's 32-byte nonces, SHS2.md section 2), and who the peer is.
 */
final class ChannelKeys {
    final byte[] encryptKey;
    final byte[] encryptNonce;
    final byte[] decryptKey;
    final byte[] decryptNonce;
    final byte[] remotePublicKey;

    ChannelKeys(byte[] encryptKey, byte[] encryptNonce, byte[] decryptKey, byte[] decryptNonce,
                byte[] remotePublicKey) {
        this.encryptKey = encryptKey;
        this.encryptNonce = encryptNonce;
        this.decryptKey = decryptKey;
        this.decryptNonce = decryptNonce;
        this.remotePublicKey = remotePublicKey;
    }

    /** Wipes the secrets once the channel's ciphers hold their own copies. */
    void wipe() {
        Crypto.wipe(encryptKey, encryptNonce, decryptKey, decryptNonce);
    }
}
