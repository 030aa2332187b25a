package org.multiserver.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.multiserver.address.Address;
import org.multiserver.address.MultiAddress;
import org.multiserver.address.Section;
import org.multiserver.spi.Listener;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;

/** The servers of one {@link MultiServer#listen}: stack {@code i} is served by listener {@code i}. */
final class Servers implements MultiServer.Listening {
    private final List<Stack> stacks;
    private final List<Listener> listeners;
    private final Consumer<Servers> onClose;

    Servers(List<Stack> stacks, List<Listener> listeners, Consumer<Servers> onClose) {
        this.stacks = stacks;
        this.listeners = listeners;
        this.onClose = onClose;
    }

    @Override
    public Optional<MultiAddress> address(Scope scope) {
        List<Address> alternatives = new ArrayList<>();
        for (int i = 0; i < stacks.size(); i++) {
            Stack stack = stacks.get(i);
            List<Section> transforms = new ArrayList<>();
            boolean complete = true;
            for (Transform t : stack.transforms()) {
                Optional<Section> s = t.stringify(scope);
                if (s.isEmpty()) {
                    complete = false;
                    break;
                }
                transforms.add(s.get());
            }
            if (!complete) {
                continue;
            }
            for (Section transport : listeners.get(i).addresses(scope)) {
                List<Section> sections = new ArrayList<>();
                sections.add(transport);
                sections.addAll(transforms);
                alternatives.add(new Address(sections));
            }
        }
        return alternatives.isEmpty() ? Optional.empty() : Optional.of(new MultiAddress(alternatives));
    }

    @Override
    public CompletableFuture<Void> close() {
        onClose.accept(this);
        return CompletableFuture.allOf(listeners.stream().map(Listener::close).toArray(CompletableFuture[]::new));
    }
}
