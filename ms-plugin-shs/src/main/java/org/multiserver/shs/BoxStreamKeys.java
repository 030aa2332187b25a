package org.multiserver.shs;

/**
 * What a finished handshake hands the box-stream: one key and starting nonce per direction, and who the peer is.
 * The encryption nonce is the first 24 bytes of the peer's challenge MAC and the decryption nonce the first 24 of
 * ours, as in the JS reference.
 */
final class BoxStreamKeys {
    final byte[] encryptKey;
    final byte[] encryptNonce;
    final byte[] decryptKey;
    final byte[] decryptNonce;
    final byte[] remotePublicKey;

    BoxStreamKeys(byte[] encryptKey, byte[] encryptNonce, byte[] decryptKey, byte[] decryptNonce,
                  byte[] remotePublicKey) {
        this.encryptKey = encryptKey;
        this.encryptNonce = encryptNonce;
        this.decryptKey = decryptKey;
        this.decryptNonce = decryptNonce;
        this.remotePublicKey = remotePublicKey;
    }

    /** Wipes the secrets once the codecs hold their own copies. */
    void wipe() {
        NativeSodium.wipe(encryptKey, encryptNonce, decryptKey, decryptNonce);
    }
}
