package dev.eve.core.ops;

import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.GradCheck;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * MoE dispatch / combine ({@link Moe}, the CPU backend's kernels): against naive loops (forward bit for
 * bit, gradients), against the index_add composition they replace, finite differences, random shapes and
 * drop patterns, thread-count independence, and the argument checks.
 */
class MoeTest {

    /** A random problem: tokens [S, H], a row map [k, S] with some assignments dropped, y [R, H], weights [k, S]. */
    private record Case(int k, int s, int h, int outRows, int[] rows, Tensor tokens, Tensor y, Tensor weights) {

        static Case random(long seed, int k, int s, int h, double dropRate, int unusedRows) {
            Random rnd = new Random(seed);
            int[] rows = new int[k * s];
            int kept = 0;
            for (int i = 0; i < rows.length; i++) rows[i] = rnd.nextDouble() < dropRate ? -1 : kept++;
            int outRows = kept + unusedRows;
            // Kept assignments take distinct rows in a random order; unusedRows rows are named by none.
            int[] perm = new int[outRows];
            for (int i = 0; i < outRows; i++) perm[i] = i;
            for (int i = outRows - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1), t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            for (int i = 0; i < rows.length; i++) if (rows[i] >= 0) rows[i] = perm[rows[i]];
            Generator gen = new Generator(seed);
            return new Case(k, s, h, outRows, rows, Tensor.randn(gen, s, h), Tensor.randn(gen, outRows, h),
                    Tensor.rand(gen, k, s));
        }

        Tensor rowMap() {
            return Tensor.of(rows, k, s);
        }
    }

    // ------------------------------------------------------------------------------------------ naive references

    private static float[] naiveDispatch(Case c) {
        float[] x = c.tokens().toFloatArray(), out = new float[c.outRows() * c.h()];
        for (int j = 0; j < c.k(); j++)
            for (int t = 0; t < c.s(); t++) {
                int r = c.rows()[j * c.s() + t];
                if (r >= 0) System.arraycopy(x, t * c.h(), out, r * c.h(), c.h());
            }
        return out;
    }

    /** acc = 0, acc += w * y[row] in j order: the arithmetic of a scatter-add of weighted rows into zeros. */
    private static float[] naiveCombine(Case c, float[] y, float[] w) {
        float[] out = new float[c.s() * c.h()];
        for (int t = 0; t < c.s(); t++)
            for (int i = 0; i < c.h(); i++) {
                float acc = 0f;
                for (int j = 0; j < c.k(); j++) {
                    int r = c.rows()[j * c.s() + t];
                    if (r >= 0) acc += (w == null ? 1f : w[j * c.s() + t]) * y[r * c.h() + i];
                }
                out[t * c.h() + i] = acc;
            }
        return out;
    }

    /** {dY [R, H], dW [k, S]} of combine, dot products in double. */
    private static float[][] naiveCombineBackward(Case c, float[] g, float[] y, float[] w) {
        float[] dy = new float[c.outRows() * c.h()], dw = new float[c.k() * c.s()];
        for (int j = 0; j < c.k(); j++)
            for (int t = 0; t < c.s(); t++) {
                int a = j * c.s() + t, r = c.rows()[a];
                if (r < 0) continue;
                double dot = 0;
                for (int i = 0; i < c.h(); i++) {
                    dy[r * c.h() + i] = w[a] * g[t * c.h() + i];
                    dot += (double) g[t * c.h() + i] * y[r * c.h() + i];
                }
                dw[a] = (float) dot;
            }
        return new float[][] {dy, dw};
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            if (!(Math.abs(expected[i] - actual[i]) <= tol * Math.max(1, Math.abs(expected[i]))))
                fail(what + ": element " + i + " expected " + expected[i] + ", got " + actual[i]);
    }

    /** Forward bit for bit and every gradient against the naive loops. */
    private static void checkAgainstNaive(Case c, String what) {
        Tensor tokens = c.tokens().detach().requiresGrad(true);
        Tensor y = c.y().detach().requiresGrad(true), w = c.weights().detach().requiresGrad(true);
        Tensor buf = Moe.dispatch(tokens, c.rowMap(), c.outRows());
        assertArrayEquals(new int[] {c.outRows(), c.h()}, buf.shape(), what + ": dispatch shape");
        assertArrayEquals(naiveDispatch(c), buf.toFloatArray(), what + ": dispatch");
        Tensor out = Moe.combine(y, c.rowMap(), w);
        assertArrayEquals(new int[] {c.s(), c.h()}, out.shape(), what + ": combine shape");
        float[] yf = c.y().toFloatArray(), wf = c.weights().toFloatArray();
        assertArrayEquals(naiveCombine(c, yf, wf), out.toFloatArray(), what + ": combine");

        Generator gen = new Generator(99);
        Tensor gBuf = Tensor.randn(gen, c.outRows(), c.h()), gOut = Tensor.randn(gen, c.s(), c.h());
        buf.backward(gBuf);
        out.backward(gOut);
        // dispatch's gradient is a unit-weight combine of the buffer's gradient
        assertArrayEquals(naiveCombine(c, gBuf.toFloatArray(), null), tokens.grad().toFloatArray(), what + ": dTokens");
        float[][] want = naiveCombineBackward(c, gOut.toFloatArray(), yf, wf);
        assertArrayEquals(want[0], y.grad().toFloatArray(), what + ": dY");
        assertClose(want[1], w.grad().toFloatArray(), 1e-5, what + ": dWeights");
    }

    // ------------------------------------------------------------------------------------------ cases

    @Test
    void topTwoWithDropsAndUnusedRowsMatchesNaiveLoops() {
        // H = 37: whole vectors and a scalar tail for every lane count up to 32.
        checkAgainstNaive(Case.random(1, 2, 50, 37, 0.3, 5), "k=2 drops + unused rows");
    }

    @Test
    void topOneDroplessAndWideRows() {
        checkAgainstNaive(Case.random(2, 1, 40, 768, 0, 0), "k=1 dropless H=768");
    }

    @Test
    void everythingDroppedGivesZeros() {
        Case c = Case.random(3, 2, 6, 8, 2, 0);
        assertEquals(0, c.outRows());
        checkAgainstNaive(c, "all dropped");
        Tensor out = Moe.combine(Tensor.zeros(0, 8), c.rowMap(), c.weights());
        assertArrayEquals(new float[6 * 8], out.toFloatArray());
    }

    @Test
    void aTokenWithEveryChoiceDroppedGetsAZeroRowAndZeroWeightGradient() {
        int[] rows = {0, -1, 2,   1, -1, -1};           // token 1: both dropped; token 2: only its first kept
        Tensor y = Tensor.randn(new Generator(4), 3, 5).requiresGrad(true);
        Tensor w = Tensor.rand(new Generator(5), 2, 3).requiresGrad(true);
        Tensor out = Moe.combine(y, Tensor.of(rows, 2, 3), w);
        float[] o = out.toFloatArray();
        for (int i = 5; i < 10; i++) assertEquals(0f, o[i], "row of the fully dropped token");
        out.sum().backward();
        float[] dw = w.grad().toFloatArray();
        assertEquals(0f, dw[1]);
        assertEquals(0f, dw[4]);
        assertEquals(0f, dw[5]);
    }

    @Test
    void equalsTheIndexAddCompositionBitForBit() {
        // out = zeros.index_add(0, token of each kept assignment, y[row] * w): what MoeLayer did before.
        Case c = Case.random(6, 2, 64, 24, 0.25, 0);
        long[] targets = new long[c.outRows()], src = new long[c.outRows()], wIdx = new long[c.outRows()];
        int n = 0;
        for (int r = 0; r < c.outRows(); r++)   // buffer order, like the per-expert loop of the old path
            for (int a = 0; a < c.rows().length; a++)
                if (c.rows()[a] == r) {
                    targets[n] = a % c.s();
                    src[n] = r;
                    wIdx[n++] = a;
                }
        Tensor weighted = c.y().indexSelect(0, Tensor.of(src)).mul(c.weights().reshape(-1).indexSelect(0, Tensor.of(wIdx)).unsqueeze(1));
        Tensor composed = Tensor.zeros(c.s(), c.h()).indexAdd(0, Tensor.of(targets), weighted);
        assertArrayEquals(composed.toFloatArray(), Moe.combine(c.y(), c.rowMap(), c.weights()).toFloatArray());
    }

    @Test
    void i64RowMapsGiveTheSameResults() {
        Case c = Case.random(7, 2, 20, 9, 0.2, 2);
        long[] wide = new long[c.rows().length];
        for (int i = 0; i < wide.length; i++) wide[i] = c.rows()[i];
        Tensor rows64 = Tensor.of(wide, c.k(), c.s());
        assertArrayEquals(Moe.dispatch(c.tokens(), c.rowMap(), c.outRows()).toFloatArray(),
                Moe.dispatch(c.tokens(), rows64, c.outRows()).toFloatArray());
        assertArrayEquals(Moe.combine(c.y(), c.rowMap(), c.weights()).toFloatArray(),
                Moe.combine(c.y(), rows64, c.weights()).toFloatArray());
    }

    @Test
    void stridedInputsAreRead() {
        Case c = Case.random(8, 2, 12, 10, 0.2, 0);
        Tensor tokensT = c.tokens().transpose(0, 1).contiguous().transpose(0, 1);   // same values, column-major
        Tensor wT = c.weights().transpose(0, 1).contiguous().transpose(0, 1);
        assertArrayEquals(naiveDispatch(c), Moe.dispatch(tokensT, c.rowMap(), c.outRows()).toFloatArray());
        assertArrayEquals(naiveCombine(c, c.y().toFloatArray(), c.weights().toFloatArray()),
                Moe.combine(c.y(), c.rowMap(), wT).toFloatArray());
    }

    @Test
    void gradientsOnlyWhereAsked() {
        Case c = Case.random(9, 2, 10, 6, 0.2, 1);
        Tensor y = c.y().detach().requiresGrad(true);
        Moe.combine(y, c.rowMap(), c.weights()).sum().backward();   // weights without grad
        assertArrayEquals(naiveCombineBackward(c, ones(c.s() * c.h()), c.y().toFloatArray(), c.weights().toFloatArray())[0],
                y.grad().toFloatArray());
        Tensor w = c.weights().detach().requiresGrad(true);
        Moe.combine(c.y(), c.rowMap(), w).sum().backward();         // y without grad
        assertClose(naiveCombineBackward(c, ones(c.s() * c.h()), c.y().toFloatArray(), c.weights().toFloatArray())[1],
                w.grad().toFloatArray(), 1e-5, "dWeights alone");
        assertNull(Moe.combine(c.y(), c.rowMap(), c.weights()).gradFn());
        assertNull(Moe.dispatch(c.tokens(), c.rowMap(), c.outRows()).gradFn());
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    @Test
    void unitWeightsWhenWeightsAreNull() {
        Case c = Case.random(10, 2, 15, 7, 0.3, 0);
        Tensor y = c.y().detach().requiresGrad(true);
        Tensor out = Moe.combine(y, c.rowMap(), null);
        assertArrayEquals(naiveCombine(c, c.y().toFloatArray(), null), out.toFloatArray());
        out.sum().backward();
        float[] dy = y.grad().toFloatArray();
        for (int r = 0; r < c.outRows(); r++)
            for (int i = 0; i < c.h(); i++) assertEquals(1f, dy[r * c.h() + i]);
    }

    @Test
    void finiteDifferences() {
        Case c = Case.random(11, 2, 7, 5, 0.3, 2);
        Tensor rows = c.rowMap();
        GradCheck.check("moe dispatch", in -> Moe.dispatch(in[0], in[1], c.outRows()), c.tokens(), rows);
        GradCheck.check("moe combine", in -> Moe.combine(in[0], in[1], in[2]), c.y(), rows, c.weights());
        GradCheck.check("moe dispatch then combine", in -> Moe.combine(Moe.dispatch(in[0], in[1], c.outRows()).tanh(), in[1], in[2]),
                c.tokens(), rows, c.weights());
        Case one = Case.random(12, 1, 9, 4, 0.2, 0);
        GradCheck.check("moe combine top-1", in -> Moe.combine(in[0], in[1], in[2]), one.y(), one.rowMap(), one.weights());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Case c = Case.random(13, 2, 300, 100, 0.2, 3);
        int before = Parallel.threads();
        float[][] reference = null;
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                Tensor tokens = c.tokens().detach().requiresGrad(true);
                Tensor w = c.weights().detach().requiresGrad(true);
                Tensor out = Moe.combine(Moe.dispatch(tokens, c.rowMap(), c.outRows()).mul(2), c.rowMap(), w);
                out.backward(Tensor.randn(new Generator(5), c.s(), c.h()));
                float[][] got = {out.toFloatArray(), tokens.grad().toFloatArray(), w.grad().toFloatArray()};
                if (reference == null) reference = got;
                else for (int i = 0; i < got.length; i++) assertArrayEquals(reference[i], got[i], "threads " + threads + ", output " + i);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    // ------------------------------------------------------------------------------------------ property

    @Property(tries = 40)
    void randomShapesAndDropPatternsMatchNaiveLoops(@ForAll @IntRange(min = 1, max = 3) int k,
                                                    @ForAll @IntRange(min = 1, max = 60) int s,
                                                    @ForAll @IntRange(min = 1, max = 70) int h,
                                                    @ForAll @IntRange(min = 0, max = 10) int dropTenths,
                                                    @ForAll @IntRange(min = 0, max = 4) int unusedRows,
                                                    @ForAll long seed) {
        checkAgainstNaive(Case.random(seed, k, s, h, dropTenths / 10.0, unusedRows),
                "k " + k + " S " + s + " H " + h + " drop " + dropTenths + "/10 unused " + unusedRows);
    }

    // ------------------------------------------------------------------------------------------ errors

    private static String error(Runnable r) {
        String m = assertThrows(IllegalArgumentException.class, r::run).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    @Test
    void shapesAreCheckedAndNamed() {
        Tensor tokens = Tensor.zeros(4, 3), rows = Tensor.of(new int[] {0, 1, 2, 3}, 1, 4);
        String m = error(() -> Moe.dispatch(Tensor.zeros(12), rows, 4));
        assertTrue(m.contains("tokens") && m.contains("[12]") && m.contains("[S, H]"), m);
        m = error(() -> Moe.dispatch(tokens, Tensor.of(new int[] {0, 1, 2}, 1, 3), 4));
        assertTrue(m.contains("rows") && m.contains("[1, 3]") && m.contains("S = 4"), m);
        m = error(() -> Moe.dispatch(tokens, Tensor.of(new int[] {0, 1, 2, 3}), 4));
        assertTrue(m.contains("rows") && m.contains("[4]"), m);
        m = error(() -> Moe.dispatch(tokens, rows, -1));
        assertTrue(m.contains("outRows"), m);
        m = error(() -> Moe.combine(Tensor.zeros(4, 3), rows, Tensor.zeros(2, 4)));
        assertTrue(m.contains("weights [2, 4]") && m.contains("rows [1, 4]"), m);
        m = error(() -> Moe.combine(Tensor.zeros(4, 3, 1), rows, null));
        assertTrue(m.contains("y") && m.contains("[4, 3, 1]"), m);
    }

    @Test
    void dtypesAreChecked() {
        Tensor tokens = Tensor.zeros(4, 3), rows = Tensor.of(new int[] {0, 1, 2, 3}, 1, 4);
        String m = error(() -> Moe.dispatch(tokens, Tensor.zeros(1, 4), 4));
        assertTrue(m.contains("rows must be I32 or I64") && m.contains("F32"), m);
        m = error(() -> Moe.dispatch(Tensor.zeros(DType.I64, 4, 3), rows, 4));
        assertTrue(m.contains("tokens must be a floating tensor"), m);
        m = error(() -> Moe.combine(tokens, rows, Tensor.zeros(DType.I64, 1, 4)));
        assertTrue(m.contains("weights must be F32"), m);
        m = error(() -> Moe.combine(Tensor.zeros(DType.I32, 4, 3), rows, null));
        assertTrue(m.contains("y must be a floating tensor"), m);
    }

    @Test
    void rowsOutOfRangeOrRepeatedAreNamed() {
        Tensor tokens = Tensor.zeros(3, 2);
        String m = error(() -> Moe.dispatch(tokens, Tensor.of(new int[] {0, 3, 1}, 1, 3), 3));
        assertTrue(m.contains("rows[0, 1] = 3") && m.contains("[-1, 3)"), m);
        m = error(() -> Moe.dispatch(tokens, Tensor.of(new int[] {0, -2, 1}, 1, 3), 3));
        assertTrue(m.contains("rows[0, 1] = -2"), m);
        m = error(() -> Moe.dispatch(tokens, Tensor.of(new int[] {0, 1, 2, -1, 1, -1}, 2, 3), 3));
        assertTrue(m.contains("rows[1, 1] = 1 repeats rows[0, 1]"), m);
        m = error(() -> Moe.combine(Tensor.zeros(2, 2), Tensor.of(new int[] {0, 1, 2}, 1, 3), null));
        assertTrue(m.contains("rows[0, 2] = 2") && m.contains("y [2, 2]"), m);
    }
}
