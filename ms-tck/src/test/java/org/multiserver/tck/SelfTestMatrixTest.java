package org.multiserver.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.multiserver.spi.TransformProvider;
import org.multiserver.spi.TransportProvider;
import org.multiserver.tck.ToyTransformProvider.Flaw;
import org.multiserver.tck.reference.BrokenTransports;
import org.multiserver.tck.reference.IdentityTransformVerification;
import org.multiserver.tck.reference.LocalTransportProvider;

/**
 * The kit tests itself: it runs its verifications, through the JUnit engine as a plugin author's build would,
 * against plugins that are broken on purpose, and checks that each fails exactly the rule it breaks, nothing more
 * and nothing less. The reference plugins run the same way and must fail nothing, skipping only the rules their
 * capabilities exclude. A rule that no broken plugin can fail would be a rule that cannot fail.
 */
class SelfTestMatrixTest {

    static Stream<Arguments> matrix() {
        return Stream.of(
                row(LocalReference.class, Set.of(), Set.of("required_T4_2_endOfOutputClosesWithoutHalfClose")),
                row(LocalWithoutHalfClose.class, Set.of(), Set.of("required_T4_1_endOfOutputHalfCloses")),
                row(IdentityReference.class, Set.of(), Set.of("required_F2_4_impostorFailsOnBothSides",
                        "required_F3_2_silentClientIsDropped", "required_F3_3_stalledClientIsDropped",
                        "required_F3_4_silentServerFailsClient", "optional_F3_6_peerCloseDuringHandshakeFailsPromptly",
                        "required_F4_5_truncatedStreamIsAnError", "required_F4_6_endIsTheSameHoweverReadsAreCut")),
                row(ToyReference.class, Set.of(), Set.of()),

                row(LeakyClose.class, Set.of("required_T2_5_closeOfServerClosesConnections"), null),
                row(IgnoresCancel.class, Set.of("required_T2_4_cancelDuringConnectClosesChannel"), null),
                row(SloppyPrintTransport.class, Set.of("required_T1_2_printedAddressRoundTrips"), null),
                row(LenientParse.class, Set.of("required_T1_4_malformedSectionIsSyntaxErrorWithColumn"), null),
                row(NoFlowControl.class, Set.of("required_T3_2_stalledReaderMakesWriterUnwritable"), null),
                row(FalseHalfClose.class, Set.of("required_T4_1_endOfOutputHalfCloses"), null),
                row(VagueErrors.class, Set.of(), Set.of("optional_T2_8_connectErrorNamesAddress",
                        "required_T4_2_endOfOutputClosesWithoutHalfClose")),
                row(LateBeforeFirstRead.class,
                        Set.of("required_T3_3_serverSpeaksFirstReachesHandlerFromFirstByte"), null),

                // Lost leftovers are lost for a silent client too: F3_7 is F3_1 without later bytes to mask a delay.
                row(DropsLeftovers.class, Set.of("required_F3_1_bytesRightAfterHandshakeReachNextLayer",
                        "required_F3_7_serverSpeaksFirstToSilentClient"), Set.of()),
                row(MisnamedHandlers.class, Set.of("required_F2_5_pipelineHoldsOnlyOwnHandlers"), Set.of()),
                row(NoDeadline.class, Set.of("required_F3_2_silentClientIsDropped",
                        "required_F3_3_stalledClientIsDropped", "required_F3_4_silentServerFailsClient"), Set.of()),
                row(AcceptsImpostor.class, Set.of("required_F2_4_impostorFailsOnBothSides"), Set.of()),
                row(IgnoresClose.class, Set.of(), Set.of("optional_F3_6_peerCloseDuringHandshakeFailsPromptly")),
                row(AssumesWholeReads.class, Set.of("required_F3_5_survivesFragmentedReads"), Set.of()),
                row(HoldsLeftovers.class, Set.of("required_F3_7_serverSpeaksFirstToSilentClient"), Set.of()),
                row(IgnoresTruncation.class, Set.of("required_F4_5_truncatedStreamIsAnError"), Set.of()),
                row(EndDependsOnReads.class, Set.of("required_F4_6_endIsTheSameHoweverReadsAreCut"), Set.of()),
                row(RaisesAfterEnd.class, Set.of("required_F4_6_endIsTheSameHoweverReadsAreCut"), Set.of()),
                row(NoSplit.class, Set.of("required_F4_7_largeWritesArriveIntact"), Set.of()),
                row(RejectsAtName.class, Set.of("required_F1_5_validSectionsParseAndErrorsPointPastThem"), Set.of()),
                row(SloppyPrintTransform.class, Set.of("required_F1_2_printedSectionRoundTrips"), null),
                // No end ever arrives, so F4_8 cannot see where it falls either.
                row(SwallowsEndOfOutput.class, Set.of("required_F4_3_endOfOutputHalfCloses",
                        "required_F4_8_writeAfterEndOfOutputFails"), null),
                row(EndsLate.class, Set.of("required_F4_8_writeAfterEndOfOutputFails"), null));
    }

    /**
     * @param failed  exactly the rules that must fail
     * @param skipped exactly the rules that must be skipped; null where the skips are the plugin's capability
     *                skips, which the reference rows already pin down
     */
    private static Arguments row(Class<?> verification, Set<String> failed, Set<String> skipped) {
        return Arguments.of(verification.getSimpleName(), verification, failed, skipped);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void failsExactlyTheRuleItBreaks(String name, Class<?> verification, Set<String> failed, Set<String> skipped) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(verification))
                .execute();
        assertThat(results.containerEvents().failed().count())
                .as("the verification class itself failed to run (set-up or tear-down)").isZero();
        Events tests = results.testEvents();
        assertThat(ruleNames(tests.failed())).as(() -> "rules that failed for " + name + why(tests.failed()))
                .isEqualTo(new TreeSet<>(failed));
        if (skipped != null) {
            assertThat(ruleNames(tests.aborted())).as(() -> "rules skipped for " + name + why(tests.aborted()))
                    .isEqualTo(new TreeSet<>(skipped));
        }
        assertThat(ruleNames(tests.succeeded())).as("rules that passed for " + name).hasSizeGreaterThan(10);
    }

    /** Each outcome's rule and message, so a mismatch in this matrix explains itself. */
    private static String why(Events events) {
        StringBuilder out = new StringBuilder();
        events.stream().forEach(e -> e.getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable)
                .ifPresent(t -> out.append("\n  ").append(e.getTestDescriptor().getDisplayName()).append(": ")
                        .append(t.getMessage())));
        return out.toString();
    }

    private static Set<String> ruleNames(Events events) {
        Set<String> names = new TreeSet<>();
        events.stream().forEach(e -> e.getTestDescriptor().getSource()
                .filter(org.junit.platform.engine.support.descriptor.MethodSource.class::isInstance)
                .map(s -> ((org.junit.platform.engine.support.descriptor.MethodSource) s).getMethodName())
                .ifPresent(names::add));
        return names;
    }

    // ---- the runs: static nested classes, so surefire does not run them on its own ----

    abstract static class TransportRun extends TransportVerification {
        @Override
        protected List<String> malformedAddresses() {
            return List.of("local", "local:UPPER", "local:a:b:c");
        }
    }

    static class LocalReference extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return new LocalTransportProvider();
        }
    }

    static class LocalWithoutHalfClose extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.withoutHalfClose();
        }
    }

    static class LeakyClose extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.leakyClose();
        }
    }

    static class IgnoresCancel extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.ignoresCancel();
        }
    }

    static class SloppyPrintTransport extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.sloppyPrint();
        }
    }

    static class LenientParse extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.lenientParse();
        }
    }

    static class NoFlowControl extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.noFlowControl();
        }
    }

    static class FalseHalfClose extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.falseHalfClose();
        }
    }

    static class VagueErrors extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.vagueErrors();
        }
    }

    static class LateBeforeFirstRead extends TransportRun {
        @Override
        protected TransportProvider provider() {
            return BrokenTransports.lateBeforeFirstRead();
        }
    }

    abstract static class ToyRun extends TransformVerification {
        @Override
        protected List<String> malformedSections() {
            return List.of("toy", "toy:0123", "toy:0123456789abcdef:extra");
        }

        @Override
        protected List<String> validSections() {
            return List.of("toy:0123456789abcdef");
        }
    }

    static class ToyReference extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider();
        }
    }

    static class DropsLeftovers extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.DROPS_LEFTOVERS);
        }
    }

    static class MisnamedHandlers extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.MISNAMED_HANDLERS);
        }
    }

    static class NoDeadline extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.NO_DEADLINE);
        }
    }

    static class AcceptsImpostor extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.ACCEPTS_IMPOSTOR);
        }
    }

    static class IgnoresClose extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.IGNORES_CLOSE);
        }
    }

    static class AssumesWholeReads extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.ASSUMES_WHOLE_READS);
        }
    }

    static class HoldsLeftovers extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.HOLDS_LEFTOVERS);
        }
    }

    static class IgnoresTruncation extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.IGNORES_TRUNCATION);
        }
    }

    static class EndDependsOnReads extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.END_DEPENDS_ON_READS);
        }
    }

    static class RaisesAfterEnd extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.RAISES_AFTER_END);
        }
    }

    static class NoSplit extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.NO_SPLIT);
        }
    }

    static class RejectsAtName extends ToyRun {
        @Override
        protected TransformProvider provider() {
            return new ToyTransformProvider(Flaw.REJECTS_AT_NAME);
        }
    }

    /** The identity transform's verification, as plugin modules run it over their transports. */
    abstract static class IdentityRun extends IdentityTransformVerification {
    }

    static class IdentityReference extends IdentityRun {
    }

    static class SloppyPrintTransform extends IdentityRun {
        @Override
        protected TransformProvider provider() {
            return BrokenTransforms.sloppyPrint();
        }
    }

    static class SwallowsEndOfOutput extends IdentityRun {
        @Override
        protected TransformProvider provider() {
            return BrokenTransforms.swallowsEndOfOutput();
        }
    }

    static class EndsLate extends IdentityRun {
        @Override
        protected TransformProvider provider() {
            return BrokenTransforms.endsLate();
        }
    }
}
