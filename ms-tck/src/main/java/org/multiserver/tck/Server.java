package org.multiserver.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.multiserver.address.Section;
import org.multiserver.spi.Listener;
import org.multiserver.spi.Scope;

/** A listening transport and the connections its acceptor was handed, in order of arrival. */
final class Server {
    private final Map<Integer, CompletableFuture<Peer>> slots = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile Listener listener;

    Listener listener() {
        return listener;
    }

    void listener(Listener listener) {
        this.listener = listener;
    }

    /** The {@code index}-th accepted connection (0 is the first), as soon as it arrives. */
    CompletableFuture<Peer> accepted(int index) {
        return slots.computeIfAbsent(index, i -> new CompletableFuture<>());
    }

    int acceptedCount() {
        return count.get();
    }

    void arrived(Peer peer) {
        accepted(count.getAndIncrement()).complete(peer);
    }

    void failed(Throwable error) {
        accepted(count.getAndIncrement()).completeExceptionally(error);
    }

    /** Every section the listener prints, for every scope it serves. */
    List<Section> printed() {
        List<Section> all = new ArrayList<>();
        for (Scope scope : Scope.values()) {
            for (Section s : listener.addresses(scope)) {
                if (!all.contains(s)) {
                    all.add(s);
                }
            }
        }
        return all;
    }

    /** The section a client on this machine dials: the device scope's first, else the first printed at all. */
    Section address() {
        List<Section> device = listener.addresses(Scope.DEVICE);
        if (!device.isEmpty()) {
            return device.get(0);
        }
        List<Section> all = printed();
        if (all.isEmpty()) {
            throw new AssertionError("the listener prints no address for any scope (scopes() says "
                    + listener.scopes() + ")");
        }
        return all.get(0);
    }
}
