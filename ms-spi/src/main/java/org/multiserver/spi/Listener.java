package org.multiserver.spi;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.multiserver.address.Section;

/** A bound server of one transport. */
public interface Listener {

    /** The scopes this server serves. */
    Set<Scope> scopes();

    /**
     * The sections that reach this server from {@code scope}, with the real port; empty when the server does not
     * serve that scope or the machine has no interface for it. Several when several host names reach it.
     */
    List<Section> addresses(Scope scope);

    /** Stops accepting and closes every connection this server accepted. */
    CompletableFuture<Void> close();
}
