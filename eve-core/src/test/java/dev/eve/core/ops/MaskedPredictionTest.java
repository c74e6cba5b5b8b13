package dev.eve.core.ops;

import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.nn.F;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fused masked-prediction cross-entropy against the plain composition
 * {@code F.crossEntropy(F.linear(hidden, weight, bias), targets, ignoreIndex)}: forward within
 * 1e-5 max(1, |loss|), gradients of hidden, weight and bias within 1e-4 max(1, |g|).
 */
class MaskedPredictionTest {

    private static final long IGNORE = -100;

    /** One problem: leaves for the fused op and separate copies of them for the composition. */
    private record Case(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Reduction reduction) {

        static Case random(long seed, int[] hiddenShape, int vocab, boolean withBias, Reduction reduction, double ignoredFraction) {
            Generator gen = new Generator(seed);
            int h = hiddenShape[hiddenShape.length - 1];
            Tensor hidden = Tensor.randn(gen, hiddenShape);
            Tensor weight = Tensor.randn(gen, vocab, h).mul(0.5);
            Tensor bias = withBias ? Tensor.randn(gen, vocab).mul(0.5) : null;
            int[] tShape = Arrays.copyOf(hiddenShape, hiddenShape.length - 1);
            long[] ids = Tensor.randint(gen, 0, vocab, tShape).toLongArray();
            float[] u = Tensor.rand(gen, Shapes.numel(tShape)).toFloatArray();
            for (int i = 0; i < ids.length; i++) if (u[i] < ignoredFraction) ids[i] = IGNORE;
            return new Case(hidden, weight, bias, Tensor.of(ids, tShape), reduction);
        }

        Tensor[] leaves() {
            return new Tensor[] {hidden.detach().requiresGrad(true), weight.detach().requiresGrad(true),
                    bias == null ? null : bias.detach().requiresGrad(true)};
        }

        int validRows() {
            int n = 0;
            for (long id : targets.toLongArray()) if (id != IGNORE) n++;
            return n;
        }
    }

    private static Tensor composition(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Reduction reduction) {
        int h = hidden.size(-1);
        Tensor logits = F.linear(hidden.reshape(-1, h), weight, bias);
        Tensor loss = F.crossEntropy(logits, targets.reshape(-1), IGNORE, 0, reduction);
        return reduction == Reduction.NONE ? loss.reshape(targets.shape()) : loss;
    }

    /** |a - e| <= tol * max(1, |e|) elementwise. */
    private static void assertNear(Tensor expected, Tensor actual, double tol, String what) {
        assertNotNull(actual, what + ": missing");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs((double) a[i] - e[i]);
            if (!(err <= tol * Math.max(1, Math.abs(e[i]))))
                fail(what + ": element " + i + " of " + Shapes.format(expected.shape()) + " expected " + e[i] + ", got " + a[i]);
        }
    }

    /** Runs fused and composition, forward and backward, and compares everything. */
    private static void check(Case c, String what) {
        Tensor[] f = c.leaves(), r = c.leaves();
        Tensor fused = F.maskedCrossEntropy(f[0], f[1], f[2], c.targets(), IGNORE, c.reduction());
        Tensor ref = composition(r[0], r[1], r[2], c.targets(), c.reduction());
        boolean none = c.reduction() == Reduction.NONE;
        if (c.validRows() == 0 && c.reduction() == Reduction.MEAN) {
            assertEquals(0, fused.dim(), what + ": 0-d loss");
            assertEquals(0f, fused.item(), what + ": loss with no valid row");
        } else {
            assertNear(ref, fused, 1e-5, what + ": loss");
        }
        Tensor g = none ? Tensor.randn(new Generator(7), c.targets().shape()) : null;
        if (none) fused.backward(g);
        else fused.backward();
        if (c.validRows() == 0) {
            assertZero(f[0].grad(), what + ": dHidden");
            assertZero(f[1].grad(), what + ": dWeight");
            if (f[2] != null) assertZero(f[2].grad(), what + ": dBias");
            return;
        }
        if (none) ref.backward(g);
        else ref.backward();
        assertNear(r[0].grad(), f[0].grad(), 1e-4, what + ": dHidden");
        assertNear(r[1].grad(), f[1].grad(), 1e-4, what + ": dWeight");
        if (f[2] != null) assertNear(r[2].grad(), f[2].grad(), 1e-4, what + ": dBias");
    }

    private static void assertZero(Tensor t, String what) {
        assertNotNull(t, what + ": missing");
        for (float v : t.toFloatArray()) assertEquals(0f, v, what);
    }

    // ------------------------------------------------------------------------------------------ cases

    @Test
    void twoDimensionalWithBiasMeanSeveralChunksAndRowBlocks() {
        // V = 5003: two whole chunks of 2048 and a remainder; 300 rows: three row blocks of 128.
        check(Case.random(1, new int[] {300, 24}, 5003, true, Reduction.MEAN, 0.4), "2-d bias mean V=5003");
    }

    @Test
    void threeDimensionalWithoutBiasSum() {
        check(Case.random(2, new int[] {3, 11, 16}, 5003, false, Reduction.SUM, 0.5), "3-d sum V=5003");
    }

    @Test
    void vocabularySmallerThanOneChunk() {
        check(Case.random(3, new int[] {2, 7, 8}, 37, true, Reduction.MEAN, 0.3), "3-d bias mean V=37");
        check(Case.random(4, new int[] {9, 8}, 1, false, Reduction.SUM, 0.3), "V=1");
    }

    @Test
    void allRowsValid() {
        check(Case.random(5, new int[] {40, 12}, 2100, true, Reduction.MEAN, 0), "all valid mean");
        check(Case.random(6, new int[] {4, 10, 12}, 2048, false, Reduction.SUM, 0), "all valid sum, V = one chunk");
    }

    @Test
    void perPositionLossesWithNone() {
        check(Case.random(7, new int[] {3, 9, 10}, 3000, true, Reduction.NONE, 0.5), "none some ignored");
        check(Case.random(8, new int[] {17, 10}, 300, false, Reduction.NONE, 0), "none all valid");
    }

    @Test
    void zeroValidRowsGiveZeroLossAndZeroGradients() {
        for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM}) {
            Case c = Case.random(9, new int[] {2, 5, 8}, 50, true, red, 2);
            assertEquals(0, c.validRows());
            Tensor[] f = c.leaves();
            Tensor loss = F.maskedCrossEntropy(f[0], f[1], f[2], c.targets(), IGNORE, red);
            assertEquals(0, loss.dim());
            assertEquals(0f, loss.item());
            check(c, "no valid rows " + red);
        }
    }

    @Test
    void matchesTheGatheredComposition() {
        Case c = Case.random(10, new int[] {64, 16}, 2500, true, Reduction.MEAN, 0.6);
        long[] ids = c.targets().toLongArray();
        List<Long> rows = new ArrayList<>(), tg = new ArrayList<>();
        for (int i = 0; i < ids.length; i++)
            if (ids[i] != IGNORE) {
                rows.add((long) i);
                tg.add(ids[i]);
            }
        Tensor idx = Tensor.of(rows.stream().mapToLong(Long::longValue).toArray(), rows.size());
        Tensor tv = Tensor.of(tg.stream().mapToLong(Long::longValue).toArray(), tg.size());
        Tensor[] f = c.leaves(), r = c.leaves();
        Tensor fused = F.maskedCrossEntropy(f[0], f[1], f[2], c.targets(), IGNORE, Reduction.MEAN);
        Tensor ref = F.crossEntropy(F.linear(r[0].indexSelect(0, idx), r[1], r[2]), tv);
        assertNear(ref, fused, 1e-5, "loss");
        fused.backward();
        ref.backward();
        assertNear(r[0].grad(), f[0].grad(), 1e-4, "dHidden");
        assertNear(r[1].grad(), f[1].grad(), 1e-4, "dWeight");
        assertNear(r[2].grad(), f[2].grad(), 1e-4, "dBias");
        // ignored rows get exactly zero gradient
        float[] gh = f[0].grad().toFloatArray();
        for (int i = 0; i < ids.length; i++)
            if (ids[i] == IGNORE)
                for (int j = 0; j < 16; j++) assertEquals(0f, gh[i * 16 + j]);
    }

    @Test
    void tiedWeightAccumulatesBothUses() {
        // The vocabulary matrix is also the embedding table: its gradient is the sum of both paths.
        Generator gen = new Generator(11);
        int vocab = 2300, h = 16, b = 3, t = 9;
        Tensor table = Tensor.randn(gen, vocab, h).mul(0.5);
        Tensor proj = Tensor.randn(gen, h, h).mul(0.3);
        Tensor bias = Tensor.randn(gen, vocab).mul(0.1);
        Tensor inputIds = Tensor.randint(gen, 0, vocab, b, t);
        long[] tg = Tensor.randint(gen, 0, vocab, b, t).toLongArray();
        for (int i = 0; i < tg.length; i += 2) tg[i] = IGNORE;
        Tensor targets = Tensor.of(tg, b, t);
        Tensor[] grads = new Tensor[6];
        for (int pass = 0; pass < 2; pass++) {
            Tensor e = table.detach().requiresGrad(true), p = proj.detach().requiresGrad(true), bb = bias.detach().requiresGrad(true);
            Tensor hidden = F.embedding(inputIds, e).matmul(p).tanh();
            Tensor loss = pass == 0
                    ? F.maskedCrossEntropy(hidden, e, bb, targets)
                    : composition(hidden, e, bb, targets, Reduction.MEAN);
            loss.backward();
            grads[pass * 3] = e.grad();
            grads[pass * 3 + 1] = p.grad();
            grads[pass * 3 + 2] = bb.grad();
        }
        assertNear(grads[3], grads[0], 1e-4, "tied table");
        assertNear(grads[4], grads[1], 1e-4, "projection (through hidden)");
        assertNear(grads[5], grads[2], 1e-4, "bias");
    }

    @Test
    void gradientsOnlyForInputsThatRequireThem() {
        Case c = Case.random(12, new int[] {20, 8}, 2200, true, Reduction.MEAN, 0.3);
        // only the weight
        Tensor w = c.weight().detach().requiresGrad(true);
        F.maskedCrossEntropy(c.hidden(), w, c.bias(), c.targets(), IGNORE, Reduction.MEAN).backward();
        Tensor wr = c.weight().detach().requiresGrad(true);
        composition(c.hidden(), wr, c.bias(), c.targets(), Reduction.MEAN).backward();
        assertNear(wr.grad(), w.grad(), 1e-4, "dWeight alone");
        // only the hidden states
        Tensor h = c.hidden().detach().requiresGrad(true);
        F.maskedCrossEntropy(h, c.weight(), c.bias(), c.targets(), IGNORE, Reduction.MEAN).backward();
        Tensor hr = c.hidden().detach().requiresGrad(true);
        composition(hr, c.weight(), c.bias(), c.targets(), Reduction.MEAN).backward();
        assertNear(hr.grad(), h.grad(), 1e-4, "dHidden alone");
        // only the bias
        Tensor bb = c.bias().detach().requiresGrad(true);
        F.maskedCrossEntropy(c.hidden(), c.weight(), bb, c.targets(), IGNORE, Reduction.MEAN).backward();
        Tensor br = c.bias().detach().requiresGrad(true);
        composition(c.hidden(), c.weight(), br, c.targets(), Reduction.MEAN).backward();
        assertNear(br.grad(), bb.grad(), 1e-4, "dBias alone");
        // none: no history
        assertNull(F.maskedCrossEntropy(c.hidden(), c.weight(), c.bias(), c.targets(), IGNORE, Reduction.MEAN).gradFn());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Case c = Case.random(13, new int[] {300, 16}, 5003, true, Reduction.MEAN, 0.2);
        int before = Parallel.threads();
        float[][] reference = null;
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                Tensor[] f = c.leaves();
                Tensor loss = F.maskedCrossEntropy(f[0], f[1], f[2], c.targets(), IGNORE, Reduction.MEAN);
                loss.backward();
                float[][] got = {loss.toFloatArray(), f[0].grad().toFloatArray(), f[1].grad().toFloatArray(), f[2].grad().toFloatArray()};
                if (reference == null) reference = got;
                else for (int i = 0; i < got.length; i++) assertArrayEquals(reference[i], got[i], "threads " + threads + ", output " + i);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    // ------------------------------------------------------------------------------------------ errors

    @Test
    void badTargetIdNamesTheIdAndTheVocabulary() {
        Case c = Case.random(14, new int[] {6, 4}, 10, false, Reduction.MEAN, 0);
        long[] ids = c.targets().toLongArray();
        ids[3] = 10;
        var e = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(c.hidden(), c.weight(), null, Tensor.of(ids, 6), IGNORE, Reduction.MEAN));
        assertTrue(e.getMessage().contains("target id 10") && e.getMessage().contains("V = 10"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        ids[3] = -1;
        e = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(c.hidden(), c.weight(), null, Tensor.of(ids, 6), IGNORE, Reduction.MEAN));
        assertTrue(e.getMessage().contains("target id -1"), e.getMessage());
        // a custom ignore index is honoured, -100 is then an ordinary (bad) id
        ids[3] = 0;
        ids[1] = 7;
        Tensor loss = F.maskedCrossEntropy(c.hidden(), c.weight(), null, Tensor.of(ids, 6), 7, Reduction.MEAN);
        assertTrue(Float.isFinite(loss.item()));
    }

    @Test
    void shapeMismatchesNameTheShapes() {
        Tensor hidden = Tensor.zeros(2, 5, 8), weight = Tensor.zeros(10, 8), bias = Tensor.zeros(10);
        Tensor targets = Tensor.zeros(DType.I64, 2, 5);
        String m = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(hidden, Tensor.zeros(10, 7), bias, targets, IGNORE, Reduction.MEAN)).getMessage();
        assertTrue(m.contains("[2, 5, 8]") && m.contains("[10, 7]") && !m.contains("\n"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(hidden, weight, bias, Tensor.zeros(DType.I64, 2, 4), IGNORE, Reduction.MEAN)).getMessage();
        assertTrue(m.contains("[2, 4]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(hidden, weight, Tensor.zeros(9), targets, IGNORE, Reduction.MEAN)).getMessage();
        assertTrue(m.contains("bias [9]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(Tensor.zeros(8), weight, bias, targets, IGNORE, Reduction.MEAN)).getMessage();
        assertTrue(m.contains("hidden [8]"), m);
    }

    @Test
    void dtypesAreChecked() {
        Tensor hidden = Tensor.zeros(4, 8), weight = Tensor.zeros(10, 8);
        Tensor targets = Tensor.zeros(DType.I64, 4);
        String m = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(hidden, weight, null, Tensor.zeros(4), IGNORE, Reduction.MEAN)).getMessage();
        assertTrue(m.contains("targets") && m.contains("integer"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(hidden.to(DType.I64), weight, null, targets, IGNORE, Reduction.MEAN)).getMessage();
        assertTrue(m.contains("hidden must be F32"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> F.maskedCrossEntropy(hidden, weight, Tensor.zeros(DType.I32, 10), targets, IGNORE, Reduction.MEAN)).getMessage();
        assertTrue(m.contains("bias must be F32"), m);
    }

    // ------------------------------------------------------------------------------------------ property

    @Provide
    Arbitrary<Reduction> reductions() {
        return Arbitraries.of(Reduction.MEAN, Reduction.SUM, Reduction.NONE);
    }

    @Property(tries = 25)
    void fusedEqualsComposition(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 70) int tokens,
                                @ForAll @IntRange(min = 1, max = 12) int h, @ForAll @IntRange(min = 1, max = 4500) int vocab,
                                @ForAll boolean threeD, @ForAll boolean withBias, @ForAll("reductions") Reduction reduction,
                                @ForAll @IntRange(min = 0, max = 10) int ignoredTenths, @ForAll long seed) {
        int[] shape = threeD ? new int[] {batch, tokens, h} : new int[] {batch * tokens, h};
        Case c = Case.random(seed, shape, vocab, withBias, reduction, ignoredTenths / 10.0);
        check(c, "batch " + batch + " tokens " + tokens + " h " + h + " V " + vocab + " " + reduction);
    }
}
