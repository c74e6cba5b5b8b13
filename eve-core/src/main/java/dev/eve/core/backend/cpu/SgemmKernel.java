package dev.eve.core.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled micro-kernels of {@link Sgemm}. A kernel multiplies one packed A sliver ({@code kc} steps of
 * {@link #MR} consecutive floats: element (r, p) at {@code ao + p * MR + r}) by one packed B sliver
 * ({@code kc} steps of {@link #NR} consecutive floats: element (p, q) at {@code bo + p * NR + q}) and writes the
 * {@code MR x NR} tile of C as {@code C = alpha * acc + beta * C} ({@code beta == 0}: C is not read).
 *
 * <p>The accumulators are plain locals so that C2 keeps them in registers: 24 zmm registers for the
 * 12 x 32 tile on AVX-512 (plus two B vectors and one broadcast of A, of 32 registers); with narrower
 * vectors (16 registers on AVX2) the tile is 6 x 2L (12 accumulators). The rows are unrolled by hand. On
 * JDK 25 / AVX-512, C2 turns one k step into 2 vmovups of B, 12 vbroadcastss of A (memory operands) and 24
 * vfmadd231ps, with no spills and the bounds checks hoisted out of the loop; in cache it runs at about 95% of
 * the FMA peak.
 */
final class SgemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int L = S.length();
    /** 32 vector registers (AVX-512, 16 floats a vector): the 12-row tile; else the 6-row one. */
    static final boolean WIDE = L >= 16;
    /** Rows of the register tile. */
    static final int MR = WIDE ? 12 : 6;
    /** Columns of the register tile (two vectors). */
    static final int NR = 2 * L;

    private SgemmKernel() {}

    /** The {@code MR x NR} tile; see the class comment. */
    static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc,
                       float alpha, float beta) {
        if (WIDE) kernel12(kc, ap, ao, bp, bo, c, co, ldc, alpha, beta);
        else kernel6(kc, ap, ao, bp, bo, c, co, ldc, alpha, beta);
    }

    private static void kernel12(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc,
                                 float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S); FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S); FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S); FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S); FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S); FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S); FloatVector c71 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S); FloatVector c81 = FloatVector.zero(S);
        FloatVector c90 = FloatVector.zero(S); FloatVector c91 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S); FloatVector c101 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S); FloatVector c111 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int b = bo + p * NR, a = ao + p * 12;
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[a]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, ap[a + 1]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, ap[a + 2]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, ap[a + 3]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, ap[a + 4]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, ap[a + 5]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(S, ap[a + 6]); c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(S, ap[a + 7]); c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
            x = FloatVector.broadcast(S, ap[a + 8]); c80 = b0.fma(x, c80); c81 = b1.fma(x, c81);
            x = FloatVector.broadcast(S, ap[a + 9]); c90 = b0.fma(x, c90); c91 = b1.fma(x, c91);
            x = FloatVector.broadcast(S, ap[a + 10]); c100 = b0.fma(x, c100); c101 = b1.fma(x, c101);
            x = FloatVector.broadcast(S, ap[a + 11]); c110 = b0.fma(x, c110); c111 = b1.fma(x, c111);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        int o = co;
        if (beta == 0f) {
            c00.mul(va).intoArray(c, o); c01.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c10.mul(va).intoArray(c, o); c11.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c20.mul(va).intoArray(c, o); c21.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c30.mul(va).intoArray(c, o); c31.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c40.mul(va).intoArray(c, o); c41.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c50.mul(va).intoArray(c, o); c51.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c60.mul(va).intoArray(c, o); c61.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c70.mul(va).intoArray(c, o); c71.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c80.mul(va).intoArray(c, o); c81.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c90.mul(va).intoArray(c, o); c91.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c100.mul(va).intoArray(c, o); c101.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c110.mul(va).intoArray(c, o); c111.mul(va).intoArray(c, o + 1 * L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c01.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c10.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c11.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c20.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c21.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c30.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c31.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c40.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c41.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c50.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c51.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c60.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c61.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c70.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c71.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c80.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c81.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c90.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c91.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c100.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c101.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c110.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c111.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L);
        }
    }

    private static void kernel6(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc,
                                 float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S); FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S); FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S); FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S); FloatVector c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int b = bo + p * NR, a = ao + p * 6;
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[a]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, ap[a + 1]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, ap[a + 2]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, ap[a + 3]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, ap[a + 4]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, ap[a + 5]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        int o = co;
        if (beta == 0f) {
            c00.mul(va).intoArray(c, o); c01.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c10.mul(va).intoArray(c, o); c11.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c20.mul(va).intoArray(c, o); c21.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c30.mul(va).intoArray(c, o); c31.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c40.mul(va).intoArray(c, o); c41.mul(va).intoArray(c, o + 1 * L); o += ldc;
            c50.mul(va).intoArray(c, o); c51.mul(va).intoArray(c, o + 1 * L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c01.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c10.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c11.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c20.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c21.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c30.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c31.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c40.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c41.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L); o += ldc;
            c50.fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o); c51.fma(va, FloatVector.fromArray(S, c, o + 1 * L).mul(vb)).intoArray(c, o + 1 * L);
        }
    }

}
