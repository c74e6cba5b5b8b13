package dev.eve.core.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SgemmTest {

    /** One GEMM problem with its own random operands, offsets and padded leading dimensions. */
    private static final class Problem {
        final boolean transA, transB;
        final int m, n, k;
        final float alpha, beta;
        final int aOff, lda, bOff, ldb, cOff, ldc;
        final float[] a, b, c0;

        Problem(long seed, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                int aOff, int aPad, int bOff, int bPad, int cOff, int cPad) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            this.aOff = aOff;
            this.bOff = bOff;
            this.cOff = cOff;
            this.lda = (transA ? m : k) + aPad;
            this.ldb = (transB ? k : n) + bPad;
            this.ldc = n + cPad;
            Random r = new Random(seed);
            a = random(r, aOff + (transA ? k : m) * lda + 3);
            b = random(r, bOff + (transB ? n : k) * ldb + 3);
            c0 = random(r, cOff + m * ldc + 3);
            if (beta == 0f) java.util.Arrays.fill(c0, Float.NaN);   // must be overwritten, never read
        }

        float a(int i, int p) {
            return a[aOff + (transA ? p * lda + i : i * lda + p)];
        }

        float b(int p, int j) {
            return b[bOff + (transB ? j * ldb + p : p * ldb + j)];
        }

        float[] run(boolean sequential) {
            float[] c = c0.clone();
            if (sequential) {
                Sgemm.sgemmSequential(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            } else {
                Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
            return c;
        }

        /** Checks C against a double-accumulating triple loop; elements outside the m x n view must be untouched. */
        void check(float[] c) {
            double tol = 1e-5 * Math.sqrt(Math.max(1, k));
            boolean[] inside = new boolean[c.length];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int idx = cOff + i * ldc + j;
                    inside[idx] = true;
                    double s = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double t = (double) a(i, p) * b(p, j);
                        s += t;
                        mag += Math.abs(t);
                    }
                    double ref = alpha * s + (beta == 0f ? 0 : (double) beta * c0[idx]);
                    double scale = Math.abs(alpha) * mag + (beta == 0f ? 0 : Math.abs(beta * c0[idx])) + 1e-3;
                    double err = Math.abs(ref - c[idx]) / scale;
                    if (!(err <= tol)) {
                        fail(String.format("%s: C(%d,%d) = %s, expected %s (relative error %.3g > %.3g)",
                                this, i, j, c[idx], ref, err, tol));
                    }
                }
            }
            for (int idx = 0; idx < c.length; idx++) {
                if (!inside[idx] && Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(c0[idx])) {
                    fail(this + ": element " + idx + " outside C was written");
                }
            }
        }

        @Override
        public String toString() {
            return String.format("%s%s m=%d n=%d k=%d alpha=%s beta=%s offs=%d/%d/%d ld=%d/%d/%d",
                    transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha, beta, aOff, bOff, cOff, lda, ldb, ldc);
        }
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }

    private static final int[][] SHAPES = {
        {1, 1, 1}, {3, 5, 7}, {1, 64, 33}, {2, 40, 17}, {5, 1, 9}, {12, 32, 16}, {13, 33, 17}, {11, 31, 300},
        {24, 64, 64}, {37, 70, 129}, {200, 70, 600}, {64, 237, 64}, {97, 3, 1000}, {4, 200, 65}, {70, 4, 33},
        {6, 6, 6}, {8, 8, 8}, {5, 70, 1},
    };

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> s = Stream.builder();
        long seed = 1;
        for (int[] shape : SHAPES) {
            for (int t = 0; t < 4; t++) {
                s.add(Arguments.of(seed++, (t & 1) != 0, (t & 2) != 0, shape[0], shape[1], shape[2]));
            }
        }
        return s.build();
    }

    @ParameterizedTest(name = "[{index}] transA={1} transB={2} m={3} n={4} k={5}")
    @MethodSource("cases")
    void matchesReference(long seed, boolean transA, boolean transB, int m, int n, int k) {
        float[][] ab = {{1f, 0f}, {0.75f, 1f}, {-1.5f, -0.5f}};
        for (float[] x : ab) {
            Problem p = new Problem(seed, transA, transB, m, n, k, x[0], x[1], 0, 0, 0, 0, 0, 0);
            p.check(p.run(false));
        }
        Problem padded = new Problem(seed + 1000, transA, transB, m, n, k, 0.5f, 2f, 5, 3, 7, 9, 11, 4);
        padded.check(padded.run(false));
        padded.check(padded.run(true));
    }

    @Test
    void largerThanOneBlockInEveryDimension() {
        for (int t = 0; t < 4; t++) {
            Problem p = new Problem(77 + t, (t & 1) != 0, (t & 2) != 0, 300, 300, 1100, 1f, t == 3 ? 0.5f : 0f,
                    3, 1, 2, 5, 1, 7);
            p.check(p.run(false));
        }
    }

    @Test
    void fewRowsOrColumnsSplitOverThreads() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            int[][] shapes = {{3, 1500, 700}, {1500, 2, 700}, {1, 2100, 1000}};
            for (int[] sh : shapes) {
                for (int t = 0; t < 4; t++) {
                    Problem p = new Problem(300 + t, (t & 1) != 0, (t & 2) != 0, sh[0], sh[1], sh[2], 0.5f,
                            t == 2 ? 0f : 1.5f, 1, 2, 3, 4, 5, 6);
                    float[] par = p.run(false);
                    p.check(par);
                    assertArrayEquals(p.run(true), par, p.toString());
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void betaZeroOverwritesNaNs() {
        Problem p = new Problem(5, false, true, 29, 45, 31, 1f, 0f, 0, 0, 0, 0, 0, 0);
        float[] c = p.run(false);
        p.check(c);
        for (int i = 0; i < p.m; i++)
            for (int j = 0; j < p.n; j++) assertTrue(Float.isFinite(c[i * p.ldc + j]));
    }

    @Test
    void kZeroScalesC() {
        float[] c = {1, 2, 3, 4, 5, 6, 7};
        Sgemm.sgemm(false, false, 2, 3, 0, 1f, new float[0], 0, 0, new float[0], 0, 3, 2f, c, 1, 3);
        assertArrayEquals(new float[] {1, 4, 6, 8, 10, 12, 14}, c);
        float[] nan = {Float.NaN, Float.NaN, Float.NaN};
        Sgemm.sgemm(true, true, 1, 3, 0, 1f, null, 0, 1, null, 0, 0, 0f, nan, 0, 3);
        assertArrayEquals(new float[] {0, 0, 0}, nan);
    }

    @Test
    void alphaZeroIgnoresOperands() {
        float[] a = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        float[] c = {1, 2, 3, 4};
        Sgemm.sgemm(false, false, 2, 2, 2, 0f, a, 0, 2, a, 0, 2, 3f, c, 0, 2);
        assertArrayEquals(new float[] {3, 6, 9, 12}, c);
    }

    @Test
    void zeroSizeDoesNothing() {
        float[] c = {1, 2, 3};
        Sgemm.sgemm(false, false, 0, 3, 4, 1f, new float[0], 0, 4, new float[12], 0, 3, 0f, c, 0, 3);
        Sgemm.sgemm(false, false, 3, 0, 4, 1f, new float[12], 0, 4, new float[0], 0, 0, 0f, c, 0, 0);
        assertArrayEquals(new float[] {1, 2, 3}, c);
    }

    @Test
    void singleAndMultiThreadedAgreeExactly() {
        int before = Parallel.threads();
        try {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(900 + t, (t & 1) != 0, (t & 2) != 0, 257, 190, 700, 1.25f, 0.5f,
                        1, 2, 3, 4, 5, 6);
                Parallel.setThreads(1);
                float[] one = p.run(false);
                Parallel.setThreads(2);
                float[] two = p.run(false);
                float[] seq = p.run(true);
                assertArrayEquals(one, two, p.toString());
                assertArrayEquals(one, seq, p.toString());
                p.check(two);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void insideWorkerRunsAndIsCorrect() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            Problem[] ps = new Problem[4];
            float[][] out = new float[4][];
            for (int i = 0; i < 4; i++) ps[i] = new Problem(40 + i, false, i % 2 == 1, 200, 100, 120, 1f, 0f, 0, 0, 0, 0, 0, 0);
            Parallel.forChunks(4, i -> out[i] = ps[i].run(i % 2 == 0));
            for (int i = 0; i < 4; i++) ps[i].check(out[i]);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void validatesArguments() {
        float[] x = new float[100];
        assertMessage("negative size", () -> Sgemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertMessage("negative offset", () -> Sgemm.sgemm(false, false, 2, 2, 2, 1f, x, -1, 2, x, 0, 2, 0f, x, 0, 2));
        assertMessage("lda=1 < 2", () -> Sgemm.sgemm(false, false, 3, 2, 2, 1f, x, 0, 1, x, 0, 2, 0f, x, 0, 2));
        assertMessage("lda=2 < 3", () -> Sgemm.sgemm(true, false, 3, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertMessage("ldb=1 < 2", () -> Sgemm.sgemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 1, 0f, x, 0, 2));
        assertMessage("ldb=2 < 3", () -> Sgemm.sgemm(false, true, 2, 2, 3, 1f, x, 0, 3, x, 0, 2, 0f, x, 0, 2));
        assertMessage("ldc=1 < n=2", () -> Sgemm.sgemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 1));
        // a 10 x 10 A at offset 1 with lda 10 needs 101 floats
        assertMessage("A too short", () -> Sgemm.sgemm(false, false, 10, 2, 10, 1f, x, 1, 10, x, 0, 2, 0f, x, 0, 2));
        assertMessage("needs length >= 101", () -> Sgemm.sgemm(false, false, 10, 2, 10, 1f, x, 1, 10, x, 0, 2, 0f, x, 0, 2));
        assertMessage("B too short", () -> Sgemm.sgemm(false, true, 2, 10, 10, 1f, x, 0, 10, x, 5, 10, 0f, x, 0, 10));
        assertMessage("C too short", () -> Sgemm.sgemm(false, false, 10, 10, 1, 1f, x, 0, 1, x, 0, 10, 0f, x, 1, 10));
        assertMessage("A is null", () -> Sgemm.sgemm(false, false, 2, 2, 2, 1f, null, 0, 2, x, 0, 2, 0f, x, 0, 2));
        // exactly long enough is fine: last index touched is 99
        Sgemm.sgemm(false, false, 10, 10, 10, 1f, x, 0, 10, x, 0, 10, 0f, new float[100], 0, 10);
        Sgemm.sgemmSequential(true, true, 10, 10, 10, 1f, x, 0, 10, x, 0, 10, 0f, new float[100], 0, 10);
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void identityTimesMatrix() {
        int n = 50;
        float[] id = new float[n * n];
        for (int i = 0; i < n; i++) id[i * n + i] = 1f;
        float[] b = random(new Random(3), n * n);
        float[] c = new float[n * n];
        Sgemm.sgemm(false, false, n, n, n, 1f, id, 0, n, b, 0, n, 0f, c, 0, n);
        assertArrayEquals(b, c);
        Sgemm.sgemm(false, true, n, n, n, 1f, id, 0, n, b, 0, n, 0f, c, 0, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) assertEquals(b[j * n + i], c[i * n + j]);
    }

    @Property(tries = 60)
    void randomSmallProblems(@ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(min = 1, max = 70) int n,
                             @ForAll @IntRange(min = 0, max = 90) int k, @ForAll boolean transA, @ForAll boolean transB,
                             @ForAll @IntRange(min = 0, max = 2) int betaCase, @ForAll @IntRange(min = 0, max = 3) int pad,
                             @ForAll long seed) {
        float beta = betaCase == 0 ? 0f : betaCase == 1 ? 1f : -0.25f;
        Problem p = new Problem(seed, transA, transB, m, n, k, 0.8f, beta, pad, pad, 2 * pad, pad + 1, pad, 2 * pad);
        p.check(p.run(seed % 2 == 0));
    }
}
