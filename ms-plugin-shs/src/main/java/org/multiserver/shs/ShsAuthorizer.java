package org.multiserver.shs;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The server's decision about a client that proved its key (after message 3 of the handshake). May answer later and
 * from any thread (a database lookup, say); the handshake deadline keeps running meanwhile. A denial, a failed stage
 * or an exception hangs up before message 4, so the client learns nothing but that we hung up.
 */
@FunctionalInterface
public interface ShsAuthorizer {
    /** Lets in every client that knows our key and app key, the JS reference's behaviour for a public server. */
    ShsAuthorizer ALLOW_ALL = publicKey -> CompletableFuture.completedFuture(true);

    /**
     * @param publicKey the client's Ed25519 public key in standard padded base64, as {@code shs:} addresses and
     *                  {@link org.multiserver.spi.Layer#identity()} print it
     * @return true to let the client in
     */
    CompletionStage<Boolean> authorize(String publicKey);
}
