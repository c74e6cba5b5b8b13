package dev.eve.bench;

import dev.eve.core.nn.F;
import dev.eve.core.ops.Reduction;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The masked-language-model loss, forward + backward (gradients of hidden, the tied vocabulary matrix and
 * its bias), at an MLM-like shape: 2048 positions ([8, 256] tokens) of which 50% are masked (the rest
 * carry ignore_index), H = 768, V = {@link EveShapes#VOCAB} (EVE's 64k vocabulary, 64010, so the last
 * vocabulary chunk is partial).
 *
 * <ul>
 *   <li>{@code fused}: {@code F.maskedCrossEntropy} (dev.eve.core.ops.MaskedPrediction). Scratch: one
 *       logits tile of ROW_BLOCK x VOCAB_CHUNK = 128 x 2048 floats = 1 MiB per running task (one per
 *       thread), plus a (max, sum-exp) pair per valid row and chunk (1024 x 32 x 8 B = 256 KiB), the 1024
 *       gathered rows (3 MiB) and one lse per row. Costs 4 GEMMs of 1024 x 64010 x 768 (the forward
 *       logits, their recomputation in backward, dHidden, dWeight).</li>
 *   <li>{@code composition}: what the original PyTorch head does, {@code cross_entropy(linear(hidden, W,
 *       b), targets, ignore_index)} on all 2048 rows. Scratch: rows x V x 4 B = 2048 x 64010 x 4 B = 500
 *       MiB per [rows, V] tensor, about 3 of them alive (logits, log-probabilities, their gradient):
 *       ~1.5 GiB. Costs 3 GEMMs of 2048 x 64010 x 768.</li>
 *   <li>{@code gatheredComposition}: the same with the masked rows gathered first ({@code indexSelect}),
 *       1024 x 64010 x 4 B = 250 MiB per tensor, ~750 MiB. Costs 3 GEMMs of 1024 x 64010 x 768.</li>
 * </ul>
 * All three produce the same loss and gradients (MaskedPredictionTest). The gradient of the weight, [V, H]
 * = 188 MiB, is produced by all three and not counted as scratch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class MaskedLossBenchmark {

    static final int ROWS = 2048, HIDDEN = EveShapes.HIDDEN, VOCAB = EveShapes.VOCAB;
    static final long IGNORE = -100;

    private Tensor hidden, weight, bias, targets, validRows, validTargets;

    @Setup(Level.Trial)
    public void setup() {
        Generator gen = new Generator(3);
        hidden = Tensor.randn(gen, ROWS, HIDDEN);
        weight = Tensor.randn(gen, VOCAB, HIDDEN).mul(0.02);
        bias = Tensor.zeros(VOCAB);
        long[] ids = Tensor.randint(gen, 0, VOCAB, ROWS).toLongArray();
        long[] rows = new long[ROWS / 2], tg = new long[ROWS / 2];
        for (int i = 0, j = 0; i < ROWS; i++) {
            if (i % 2 == 1) {
                ids[i] = IGNORE;
            } else {
                rows[j] = i;
                tg[j++] = ids[i];
            }
        }
        targets = Tensor.of(ids, ROWS);
        validRows = Tensor.of(rows, rows.length);
        validTargets = Tensor.of(tg, tg.length);
    }

    private Tensor[] leaves() {
        return new Tensor[] {hidden.detach().requiresGrad(true), weight.detach().requiresGrad(true), bias.detach().requiresGrad(true)};
    }

    @Benchmark
    public Tensor fused() {
        Tensor[] p = leaves();
        F.maskedCrossEntropy(p[0], p[1], p[2], targets, IGNORE, Reduction.MEAN).backward();
        return p[1].grad();
    }

    @Benchmark
    public Tensor composition() {
        Tensor[] p = leaves();
        F.crossEntropy(F.linear(p[0], p[1], p[2]), targets, IGNORE, 0, Reduction.MEAN).backward();
        return p[1].grad();
    }

    @Benchmark
    public Tensor gatheredComposition() {
        Tensor[] p = leaves();
        F.crossEntropy(F.linear(p[0].indexSelect(0, validRows), p[1], p[2]), validTargets, IGNORE, 0, Reduction.MEAN).backward();
        return p[1].grad();
    }
}
