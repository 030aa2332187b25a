package org.multiserver.bench;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import java.util.Locale;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.shs2.Shs2TransformProvider;

/**
 * shs2's handshake against shs's in one JVM, in alternating blocks, for a difference of a few percent that separate
 * JMH runs cannot resolve on a shared host: each JMH fork is a JVM of its own, and the host's speed drifts by more
 * than that between forks. Blocks of {@value #PER_BLOCK} handshake pairs (as {@link HandshakePairBenchmark} runs
 * them) alternate, shs first in even blocks, shs2 first in odd ones; the CPU time per pair of each block is the
 * thread's own ({@link ThreadCpu}); the figure is the median of the per-block-pair ratios.
 *
 * <pre>java -cp ms-benchmarks/target/benchmarks.jar org.multiserver.bench.AlternatingHandshakes [distinctClients] [blocks]</pre>
 *
 * {@code distinctClients}: 0 (default), the client has the server's identity; 2048, client keys in turn, as the
 * {@code distinct} parameter of the JMH benchmarks.
 */
public final class AlternatingHandshakes {
    static final int PER_BLOCK = 200;
    static final int WARMUP_PAIRS = 3000;

    private AlternatingHandshakes() {
    }

    public static void main(String[] args) {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        try (TransformPair shs = new TransformPair(new ShsTransformProvider(), clients);
             TransformPair shs2 = new TransformPair(new Shs2TransformProvider(), clients)) {
            for (int i = 0; i < WARMUP_PAIRS; i++) {
                handshake(shs);
                handshake(shs2);
            }
            double[] v1 = new double[blocks];
            double[] v2 = new double[blocks];
            double[] ratio = new double[blocks];
            for (int k = 0; k < blocks; k++) {
                if (k % 2 == 0) {
                    v1[k] = block(shs);
                    v2[k] = block(shs2);
                } else {
                    v2[k] = block(shs2);
                    v1[k] = block(shs);
                }
                ratio[k] = v2[k] / v1[k];
            }
            System.out.println(String.format(Locale.ROOT, "distinctClients=%d, %d blocks of %d pairs each: CPU per"
                    + " handshake pair, median (quartiles): shs %s us, shs2 %s us; shs2/shs per block pair %s",
                    clients, blocks, PER_BLOCK, quartiles(v1, "%.1f"), quartiles(v2, "%.1f"),
                    quartiles(ratio, "%.3f")));
        }
    }

    private static String quartiles(double[] values, String format) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return String.format(Locale.ROOT, format + " (" + format + " to " + format + ")", sorted[n / 2],
                sorted[n / 4], sorted[(3 * n) / 4]);
    }

    private static double block(TransformPair pair) {
        long before = ThreadCpu.nanos();
        for (int i = 0; i < PER_BLOCK; i++) {
            handshake(pair);
        }
        return (ThreadCpu.nanos() - before) / 1000.0 / PER_BLOCK;
    }

    private static void handshake(TransformPair pair) {
        EmbeddedChannel[] channels = pair.connect();
        channels[0].finishAndReleaseAll();
        channels[1].finishAndReleaseAll();
    }
}
