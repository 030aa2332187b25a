package org.multiserver.tck;

import org.junit.jupiter.api.function.Executable;
import org.opentest4j.TestAbortedException;

/** How rule levels and capabilities turn into JUnit outcomes. */
final class Rules {
    private Rules() {
    }

    /**
     * Runs an optional rule: a failure is reported as skipped, with the reason, not as failed. Skips raised inside
     * (capabilities) stay skips.
     */
    static void optional(Executable rule) {
        try {
            rule.execute();
        } catch (TestAbortedException skip) {
            throw skip;
        } catch (Throwable failure) {
            if (failure instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            throw new TestAbortedException("optional rule not met: " + failure.getMessage(), failure);
        }
    }

    /** Skips the rule, with {@code reason}, unless the plugin has the capability. */
    static void requires(boolean capability, String reason) {
        if (!capability) {
            throw new TestAbortedException("not applicable: " + reason);
        }
    }
}
