package org.multiserver.spi;

import java.util.Objects;
import java.util.Optional;
import org.multiserver.address.Section;

/**
 * What a transform learned about the peer.
 *
 * @param remote   the section describing the peer, such as {@code shs:<their key>}; part of the connection's
 *                 remote address
 * @param identity the peer's authenticated identity (for shs: its base64 public key), or empty when this
 *                 transform authenticates nobody
 */
public record Layer(Section remote, Optional<String> identity) {

    public Layer {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(identity, "identity");
    }

    public static Layer authenticated(Section remote, String identity) {
        return new Layer(remote, Optional.of(identity));
    }

    public static Layer anonymous(Section remote) {
        return new Layer(remote, Optional.empty());
    }
}
