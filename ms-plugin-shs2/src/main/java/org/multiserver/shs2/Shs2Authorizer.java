package org.multiserver.shs2;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The server's decision about a client that proved its key (message 3 verified). It also gets the 32-byte auth
 * payload the client sent inside message 3 (an invite, a capability; 32 zero bytes when it sent none), so a server
 * can let in a stranger that presents a valid invite. May answer later and from any thread; the handshake deadline
 * keeps running meanwhile. A denial, a failed stage or an exception hangs up before message 4, so the client learns
 * nothing but that we hung up.
 */
@FunctionalInterface
public interface Shs2Authorizer {
    /** Lets in every client that knows our key and network key. */
    Shs2Authorizer ALLOW_ALL = (clientKey, payload) -> CompletableFuture.completedFuture(true);

    /**
     * @param clientKey the client's Ed25519 public key in standard padded base64, as {@code shs2:} addresses and
     *                  {@link org.multiserver.spi.Layer#identity()} print it
     * @param payload   a copy of the 32-byte auth payload; all zeros when the client sent none
     * @return true to let the client in
     */
    CompletionStage<Boolean> authorize(String clientKey, byte[] payload);
}
