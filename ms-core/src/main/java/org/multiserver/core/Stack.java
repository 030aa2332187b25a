package org.multiserver.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.multiserver.address.Address;
import org.multiserver.address.Section;
import org.multiserver.spi.Transform;
import org.multiserver.spi.Transport;

/** A transport and its transforms, in order: the {@code net~shs} of an address. */
record Stack(Transport transport, List<Transform> transforms) {

    Stack {
        transforms = List.copyOf(transforms);
    }

    /** {@code net~shs}: the shape of addresses this stack can dial. */
    String shape() {
        StringBuilder out = new StringBuilder(transport.name());
        for (Transform t : transforms) {
            out.append('~').append(t.name());
        }
        return out.toString();
    }

    /**
     * The parsed plan to dial {@code address} with this stack, or empty when the stack does not match exactly:
     * same number of sections, the transport accepts the first, each transform its own. Throws
     * {@link org.multiserver.address.AddressSyntaxException} when a section is ours but malformed.
     */
    Optional<Plan> match(Address address) {
        List<Section> sections = address.sections();
        if (sections.size() != transforms.size() + 1) {
            return Optional.empty();
        }
        for (int i = 0; i < transforms.size(); i++) {
            if (!transforms.get(i).name().equals(sections.get(i + 1).name())) {
                return Optional.empty();
            }
        }
        Optional<Transport.Endpoint> endpoint = transport.parse(sections.get(0));
        if (endpoint.isEmpty()) {
            return Optional.empty();
        }
        List<Transform.Target> targets = new ArrayList<>();
        for (int i = 0; i < transforms.size(); i++) {
            Optional<Transform.Target> target = transforms.get(i).parse(sections.get(i + 1));
            if (target.isEmpty()) {
                return Optional.empty();
            }
            targets.add(target.get());
        }
        return Optional.of(new Plan(endpoint.get(), targets));
    }

    record Plan(Transport.Endpoint endpoint, List<Transform.Target> targets) {
    }
}
