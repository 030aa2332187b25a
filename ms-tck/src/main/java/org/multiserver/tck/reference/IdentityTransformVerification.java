package org.multiserver.tck.reference;

import java.util.List;
import org.multiserver.spi.TransformProvider;
import org.multiserver.tck.TransformVerification;

/**
 * The transform rules with the kit's {@code identity} transform, ready to run: extend it and, to run them over your
 * transport, override {@link #transport()}. With no handler of its own, identity leaves the platform's composition
 * on your transport bare: bytes behind a wrap, a server that writes first, {@code EndOfOutput}, writes after it (rule
 * F4_8 found a window in the platform's {@code HalfCloseHandler} this way, over {@code net}). On its own, over the
 * kit's {@code local} transport, it is the reference run of the transform rules.
 *
 * <pre>{@code
 * class IdentityOverNetVerificationTest extends IdentityTransformVerification {
 *     @Override protected TransportProvider transport() { return new NetTransportProvider(); }
 * }
 * }</pre>
 */
public abstract class IdentityTransformVerification extends TransformVerification {
    @Override
    protected TransformProvider provider() {
        return new IdentityTransformProvider();
    }

    @Override
    protected List<String> malformedSections() {
        return List.of("identity:x", "identity:", "identity:a:b");
    }

    @Override
    protected List<String> validSections() {
        return List.of("identity");
    }

    /** Identity proves nobody: the impostor rule is skipped. */
    @Override
    protected boolean authenticates() {
        return false;
    }

    /** Nothing is exchanged before data: the deadline rules are skipped. */
    @Override
    protected boolean hasHandshake() {
        return false;
    }
}
