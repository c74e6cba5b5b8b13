package dev.eve.cuda.blas;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The mapping of Backend.matmul's [batch,m,k] x [batch,k,n] (any strides, batch stride 0 to broadcast)
 * onto a column-major strided-batched GEMM, checked by running cuBLAS's semantics on the CPU.
 */
class GemmPlanTest {

    /** A [batch, rows, cols] operand laid out in a flat array with the given layout. */
    record Operand(float[] data, int[] strides) {}

    private static Operand layout(Random r, int batch, int rows, int cols, int kind) {
        // kind: 0 row-major, 1 column-major (transposed view), 2 row-major padded ld, 3 broadcast batch,
        //       4 non-unit inner strides (needs a copy)
        int[] st;
        int size;
        switch (kind) {
            case 0 -> { st = new int[] {rows * cols, cols, 1}; size = batch * rows * cols; }
            case 1 -> { st = new int[] {rows * cols, 1, rows}; size = batch * rows * cols; }
            case 2 -> { st = new int[] {rows * (cols + 3), cols + 3, 1}; size = batch * rows * (cols + 3); }
            case 3 -> { st = new int[] {0, cols, 1}; size = rows * cols; }
            default -> { st = new int[] {rows * cols * 4, cols * 2, 2}; size = batch * rows * cols * 4; }
        }
        float[] d = new float[Math.max(size, 1)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextFloat() * 2 - 1;
        return new Operand(d, st);
    }

    private static float at(Operand o, int b, int i, int j) {
        return o.data[b * o.strides[0] + i * o.strides[1] + j * o.strides[2]];
    }

    private static Operand contiguous(Operand o, int batch, int rows, int cols) {
        float[] d = new float[Math.max(batch * rows * cols, 1)];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) d[(b * rows + i) * cols + j] = at(o, b, i, j);
        return new Operand(d, new int[] {rows * cols, cols, 1});
    }

    @Test
    void plansReproduceTheProductForEveryLayout() {
        Random r = new Random(7);
        int[][] dims = {{1, 3, 4, 5}, {3, 2, 7, 3}, {2, 1, 5, 4}, {2, 4, 1, 3}, {2, 5, 3, 1}, {4, 6, 6, 6}};
        for (int[] d : dims) {
            int batch = d[0], m = d[1], k = d[2], n = d[3];
            for (int ka = 0; ka < 5; ka++)
                for (int kb = 0; kb < 5; kb++) {
                    Operand a = layout(r, batch, m, k, ka), b = layout(r, batch, k, n, kb);
                    GemmPlan pa = GemmPlan.of(batch, m, k, a.strides), pb = GemmPlan.of(batch, k, n, b.strides);
                    if (ka == 4) assertTrue(pa.copy() || m == 1 || k == 1, "non-unit strides need a copy");
                    if (ka <= 3) assertFalse(pa.copy(), "layout " + ka + " maps without a copy");
                    if (ka == 3 && batch > 1) assertEquals(0, pa.batchStride());
                    if (pa.copy()) { a = contiguous(a, batch, m, k); pa = GemmPlan.contiguous(m, k); }
                    if (pb.copy()) { b = contiguous(b, batch, k, n); pb = GemmPlan.contiguous(k, n); }
                    GemmPlan.Call c = GemmPlan.call(pa, pb, m, n, k);
                    assertTrue(c.ldFirst() >= Math.max(1, c.transFirst() ? k : n), "ld of B");
                    assertTrue(c.ldSecond() >= Math.max(1, c.transSecond() ? m : k), "ld of A");
                    float[] out = new float[batch * m * n];
                    GemmPlan.referenceGemm(c.transFirst(), c.transSecond(), c.m(), c.n(), c.k(), 0.5f,
                            b.data, 0, c.ldFirst(), c.strideFirst(), a.data, 0, c.ldSecond(), c.strideSecond(),
                            out, c.ldc(), (long) m * n, batch);
                    for (int p = 0; p < batch; p++)
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++) {
                                double e = 0;
                                for (int l = 0; l < k; l++) e += (double) at(a, p, i, l) * at(b, p, l, j);
                                assertEquals(0.5 * e, out[(p * m + i) * n + j], 1e-5,
                                        "layouts " + ka + "/" + kb + " dims " + java.util.Arrays.toString(d));
                            }
                }
        }
    }

    @Test
    void rowAndColumnMajorAreRecognised() {
        assertEquals(new GemmPlan(false, false, 5, 20), GemmPlan.of(2, 4, 5, new int[] {20, 5, 1}));
        assertEquals(new GemmPlan(false, true, 4, 20), GemmPlan.of(2, 4, 5, new int[] {20, 1, 4}));
        assertEquals(new GemmPlan(false, false, 8, 0), GemmPlan.of(3, 4, 5, new int[] {0, 8, 1}));
        assertTrue(GemmPlan.of(2, 4, 5, new int[] {40, 10, 2}).copy());
        assertTrue(GemmPlan.of(2, 4, 5, new int[] {5, 0, 1}).copy(), "rows broadcast within a matrix");
    }
}
