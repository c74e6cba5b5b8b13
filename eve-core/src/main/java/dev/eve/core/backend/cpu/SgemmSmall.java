package dev.eve.core.backend.cpu;

import static dev.eve.core.backend.cpu.SgemmKernel.L;
import static dev.eve.core.backend.cpu.SgemmKernel.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * The cases of {@link Sgemm} that packing does not pay for: at most {@link #ROWS} rows or columns of C (a
 * vector times a matrix, a few tokens through a linear layer), and tiny products. B is read once, in storage
 * order: the {@code alpha}-scaled rows of op(A) go to a small contiguous buffer, then either each row of B^T
 * meets all of them in dot products, or the rows of B are added into a cached chunk of the C rows. Few
 * columns are the same problem transposed (C^T = op(B)^T op(A)^T) into a scratch buffer. The columns of C
 * are split over the threads for large B; the arithmetic of a column does not depend on the split.
 */
final class SgemmSmall {

    /** At most this many rows (or columns) of C. */
    static final int ROWS = 4;
    /** From this many multiply-adds (the B or A stream is a few MB) the columns are split over the threads. */
    static final long PARALLEL_MIN_FMAS = 1L << 21;

    private SgemmSmall() {}

    /** C (m x n, m <= ROWS) = alpha op(A) op(B) + beta C. */
    static void fewRows(boolean transA, boolean transB, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float beta, float[] c, int cOff, int ldc, boolean parallel) {
        // ar: ROWS rows of k floats, alpha * op(A); rows past m stay zero.
        float[] ar = new float[ROWS * k];
        for (int r = 0; r < m; r++) {
            if (!transA) {
                int src = aOff + r * lda;
                for (int p = 0; p < k; p++) ar[r * k + p] = alpha * a[src + p];
            } else {
                for (int p = 0; p < k; p++) ar[r * k + p] = alpha * a[aOff + p * lda + r];
            }
        }
        int threads = parallel && (long) m * n * k >= PARALLEL_MIN_FMAS && !Parallel.inWorker()
                ? Math.min(Parallel.threads(), Math.max(1, n / (4 * L))) : 1;
        if (threads <= 1) {
            columns(transB, m, 0, n, k, ar, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            int t = threads;
            Parallel.forChunks(t, ch -> {
                // chunk boundaries on whole vectors
                int j0 = (int) ((long) n * ch / t) / L * L, j1 = ch == t - 1 ? n : (int) ((long) n * (ch + 1) / t) / L * L;
                if (j1 > j0) columns(transB, m, j0, j1, k, ar, b, bOff, ldb, beta, c, cOff, ldc);
            });
        }
    }

    /** C (m x n, n <= ROWS) = alpha op(A) op(B) + beta C, as the transposed problem into a scratch buffer. */
    static void fewColumns(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc, boolean parallel) {
        // C^T (n x m) = op(B)^T (n x k) op(A)^T (k x m); op(B)^T stored as B with !transB, op(A)^T as A with !transA.
        float[] ct = new float[n * m];
        fewRows(!transB, !transA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, 0f, ct, 0, m, parallel);
        for (int i = 0; i < m; i++) {
            int co = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float v = ct[j * m + i];
                c[co + j] = beta == 0f ? v : v + beta * c[co + j];
            }
        }
    }

    /** Columns [j0, j1) of the (at most ROWS)-row C from the scaled rows ar. */
    private static void columns(boolean transB, int m, int j0, int j1, int k, float[] ar,
                                float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (transB) {
            for (int j = j0; j < j1; j++) {
                if (m == 1) {
                    float d = dot(ar, b, bOff + j * ldb, k);
                    int ci = cOff + j;
                    c[ci] = beta == 0f ? d : d + beta * c[ci];
                } else {
                    dots(m, j, k, ar, b, bOff + j * ldb, beta, c, cOff, ldc);
                }
            }
            return;
        }
        // Rows of B streamed in order into an L1-sized accumulator per row (C is written once: no false
        // sharing with the thread next door, whose columns may share a cache line of C).
        final int w = Math.min(j1 - j0, 8192 / m);
        float[] acc = new float[m * w];
        for (int jc = j0; jc < j1; jc += w) {
            int nc = Math.min(w, j1 - jc);
            java.util.Arrays.fill(acc, 0f);
            for (int p = 0; p < k; p++) {
                int bo = bOff + p * ldb + jc;
                for (int r = 0; r < m; r++) axpy(nc, ar[r * k + p], b, bo, acc, r * w);
            }
            for (int r = 0; r < m; r++) {
                int co = cOff + r * ldc + jc, ao = r * w;
                if (beta == 0f) System.arraycopy(acc, ao, c, co, nc);
                else for (int x = 0; x < nc; x++) c[co + x] = acc[ao + x] + beta * c[co + x];
            }
        }
    }

    /** y[yOff ..+n] += s * x[xOff ..+n], fused (the same rounding in the vector body and the tail). */
    private static void axpy(int n, float s, float[] x, int xOff, float[] y, int yOff) {
        FloatVector vs = FloatVector.broadcast(S, s);
        int j = 0;
        for (int e = S.loopBound(n); j < e; j += L) {
            FloatVector.fromArray(S, x, xOff + j).fma(vs, FloatVector.fromArray(S, y, yOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) y[yOff + j] = Math.fma(x[xOff + j], s, y[yOff + j]);
    }

    /** Dot product of ar[0 ..k) with b[bo ..+k), four independent vector sums. */
    private static float dot(float[] ar, float[] b, int bo, int k) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S),
                s3 = FloatVector.zero(S);
        int p = 0;
        for (int e = k - 4 * L; p <= e; p += 4 * L) {
            s0 = FloatVector.fromArray(S, ar, p).fma(FloatVector.fromArray(S, b, bo + p), s0);
            s1 = FloatVector.fromArray(S, ar, p + L).fma(FloatVector.fromArray(S, b, bo + p + L), s1);
            s2 = FloatVector.fromArray(S, ar, p + 2 * L).fma(FloatVector.fromArray(S, b, bo + p + 2 * L), s2);
            s3 = FloatVector.fromArray(S, ar, p + 3 * L).fma(FloatVector.fromArray(S, b, bo + p + 3 * L), s3);
        }
        for (int e = k - L; p <= e; p += L) {
            s0 = FloatVector.fromArray(S, ar, p).fma(FloatVector.fromArray(S, b, bo + p), s0);
        }
        float d = sum(s0.add(s1).add(s2.add(s3)));
        for (; p < k; p++) d = Math.fma(ar[p], b[bo + p], d);
        return d;
    }

    /**
     * Sum of the lanes in a fixed order (halving rotations). {@code reduceLanes(ADD)} leaves the order open, and
     * compiled and interpreted code then round differently; this keeps results independent of the JIT.
     */
    private static float sum(FloatVector v) {
        if (L > 32) v = v.add(v.rearrange(R32));
        if (L > 16) v = v.add(v.rearrange(R16));
        if (L > 8) v = v.add(v.rearrange(R8));
        if (L > 4) v = v.add(v.rearrange(R4));
        if (L > 2) v = v.add(v.rearrange(R2));
        if (L > 1) v = v.add(v.rearrange(R1));
        return v.lane(0);
    }

    /** Rn: lane l takes lane (l + n) mod L. */
    private static final VectorShuffle<Float> R1 = VectorShuffle.iota(S, 1, 1, true),
            R2 = VectorShuffle.iota(S, 2, 1, true), R4 = VectorShuffle.iota(S, 4, 1, true),
            R8 = VectorShuffle.iota(S, 8, 1, true), R16 = VectorShuffle.iota(S, 16, 1, true),
            R32 = VectorShuffle.iota(S, 32, 1, true);

    /** C(r, j) for r < m: dot products of the rows of ar with the contiguous row of B^T at bo. */
    private static void dots(int m, int j, int k, float[] ar, float[] b, int bo, float beta,
                             float[] c, int cOff, int ldc) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S),
                s3 = FloatVector.zero(S), t0 = FloatVector.zero(S), t1 = FloatVector.zero(S),
                t2 = FloatVector.zero(S), t3 = FloatVector.zero(S);
        int p = 0;
        for (int e = k - 2 * L; p <= e; p += 2 * L) {
            FloatVector x = FloatVector.fromArray(S, b, bo + p), y = FloatVector.fromArray(S, b, bo + p + L);
            s0 = FloatVector.fromArray(S, ar, p).fma(x, s0);
            t0 = FloatVector.fromArray(S, ar, p + L).fma(y, t0);
            s1 = FloatVector.fromArray(S, ar, k + p).fma(x, s1);
            t1 = FloatVector.fromArray(S, ar, k + p + L).fma(y, t1);
            s2 = FloatVector.fromArray(S, ar, 2 * k + p).fma(x, s2);
            t2 = FloatVector.fromArray(S, ar, 2 * k + p + L).fma(y, t2);
            s3 = FloatVector.fromArray(S, ar, 3 * k + p).fma(x, s3);
            t3 = FloatVector.fromArray(S, ar, 3 * k + p + L).fma(y, t3);
        }
        float d0 = sum(s0.add(t0)), d1 = sum(s1.add(t1)), d2 = sum(s2.add(t2)), d3 = sum(s3.add(t3));
        for (; p < k; p++) {
            float x = b[bo + p];
            d0 = Math.fma(ar[p], x, d0);
            d1 = Math.fma(ar[k + p], x, d1);
            d2 = Math.fma(ar[2 * k + p], x, d2);
            d3 = Math.fma(ar[3 * k + p], x, d3);
        }
        for (int r = 0; r < m; r++) {
            float v = r == 0 ? d0 : r == 1 ? d1 : r == 2 ? d2 : d3;
            int ci = cOff + r * ldc + j;
            c[ci] = beta == 0f ? v : v + beta * c[ci];
        }
    }

    /** Tiny products: a plain triple loop (no allocation, no vector set-up). */
    static void naive(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += a[transA ? aOff + p * lda + i : aOff + i * lda + p]
                            * b[transB ? bOff + j * ldb + p : bOff + p * ldb + j];
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * s : alpha * s + beta * c[ci];
            }
        }
    }
}
