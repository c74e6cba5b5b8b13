package dev.eve.core.backend.cpu;

import static dev.eve.core.backend.cpu.SgemmKernel.L;
import static dev.eve.core.backend.cpu.SgemmKernel.MR;
import static dev.eve.core.backend.cpu.SgemmKernel.NR;
import static dev.eve.core.backend.cpu.SgemmKernel.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing of the {@link Sgemm} operands into the layouts of {@link SgemmKernel}, reading either storage order.
 *
 * <p>A sliver: {@code kcb} k steps of {@code MR} consecutive floats (element (r, p) at {@code d + p*MR + r}).
 * B sliver: {@code kcb} k steps of {@code NR} consecutive floats (element (p, q) at {@code d + p*NR + q}). Rows
 * (columns) past the matrix edge are zero. Where the source runs along k (A not transposed, B transposed) the
 * packing is a transposition; with 16-float vectors it transposes 16 x 16 blocks in registers (four rounds of
 * one permute and one blend per vector), which keeps it at memory speed; other shapes take scalar loops.
 */
final class SgemmPacking {

    /** Vector transposition needs 16-lane vectors and the 12 x 32 tile. */
    static final boolean SIMD = L == 16 && MR == 12 && NR == 32;
    private static final VectorSpecies<Float> T = FloatVector.SPECIES_512;
    private static final VectorShuffle<Float> D1 = shuffle(1, true), D2 = shuffle(2, true), D4 = shuffle(4, true),
            D8 = shuffle(8, true);
    private static final VectorShuffle<Float> U1 = shuffle(1, false), U2 = shuffle(2, false), U4 = shuffle(4, false),
            U8 = shuffle(8, false);
    private static final VectorMask<Float> H1 = high(1), H2 = high(2), H4 = high(4), H8 = high(8);
    private static final VectorMask<Float> M12 = VectorMask.fromLong(T, 0xFFF);

    private SgemmPacking() {}

    /** Round {@code s} of the transposition: lane l takes lane l - s (down) or l + s (up) where bit s selects. */
    private static VectorShuffle<Float> shuffle(int s, boolean down) {
        return VectorShuffle.fromOp(T, l -> down ? ((l & s) != 0 ? l - s : l) : ((l & s) == 0 ? l + s : l));
    }

    private static VectorMask<Float> high(int s) {
        long bits = 0;
        for (int l = 0; l < 16; l++) if ((l & s) != 0) bits |= 1L << l;
        return VectorMask.fromLong(T, bits);
    }

    /** Packs rows [i0, i0+MR) x k range [pc, pc+kcb) of op(A) into the A sliver at dst[d ...]. */
    static void packA(boolean transA, float[] a, int aOff, int lda, int m, int i0, int pc, int kcb,
                      float[] dst, int d) {
        int mv = Math.min(MR, m - i0);
        if (!transA) {
            // op(A)(i, p) = a[aOff + i*lda + p]: row r of the sliver is a contiguous run over p.
            int src = aOff + i0 * lda + pc;
            int p = 0;
            if (SIMD && mv == MR) {
                p = packA12(a, src, lda, kcb, dst, d);
            }
            if (p < kcb) {
                for (int r = 0; r < mv; r++) {
                    int o = d + r, s = src + r * lda;
                    for (int q = p; q < kcb; q++) dst[o + q * MR] = a[s + q];
                }
            }
            if (mv < MR) {
                for (int q = 0; q < kcb; q++) Arrays.fill(dst, d + q * MR + mv, d + q * MR + MR, 0f);
            }
        } else {
            // op(A)(i, p) = a[aOff + p*lda + i]: each k step holds MR consecutive floats.
            int src = aOff + pc * lda + i0;
            if (mv == MR) {
                for (int p = 0; p < kcb; p++, src += lda) System.arraycopy(a, src, dst, d + p * MR, MR);
            } else {
                for (int p = 0; p < kcb; p++, src += lda) {
                    int o = d + p * MR;
                    System.arraycopy(a, src, dst, o, mv);
                    Arrays.fill(dst, o + mv, o + MR, 0f);
                }
            }
        }
    }

    /** Full 12-row A sliver, 16 k steps at a time; returns the number of k steps packed. */
    private static int packA12(float[] a, int src, int lda, int kcb, float[] dst, int d) {
        FloatVector z = FloatVector.zero(T);
        int p = 0;
        for (; p + 16 <= kcb; p += 16) {
            int s = src + p, o = d + p * 12;
            {
                FloatVector v0 = FloatVector.fromArray(T, a, s), v1 = FloatVector.fromArray(T, a, s + 1 * lda);
                FloatVector v2 = FloatVector.fromArray(T, a, s + 2 * lda), v3 = FloatVector.fromArray(T, a, s + 3 * lda);
                FloatVector v4 = FloatVector.fromArray(T, a, s + 4 * lda), v5 = FloatVector.fromArray(T, a, s + 5 * lda);
                FloatVector v6 = FloatVector.fromArray(T, a, s + 6 * lda), v7 = FloatVector.fromArray(T, a, s + 7 * lda);
                FloatVector v8 = FloatVector.fromArray(T, a, s + 8 * lda), v9 = FloatVector.fromArray(T, a, s + 9 * lda);
                FloatVector v10 = FloatVector.fromArray(T, a, s + 10 * lda), v11 = FloatVector.fromArray(T, a, s + 11 * lda);
                FloatVector v12 = z, v13 = z, v14 = z, v15 = z;
                { FloatVector x = v0, y = v1; v0 = x.blend(y.rearrange(D1), H1); v1 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v2, y = v3; v2 = x.blend(y.rearrange(D1), H1); v3 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v4, y = v5; v4 = x.blend(y.rearrange(D1), H1); v5 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v6, y = v7; v6 = x.blend(y.rearrange(D1), H1); v7 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v8, y = v9; v8 = x.blend(y.rearrange(D1), H1); v9 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v10, y = v11; v10 = x.blend(y.rearrange(D1), H1); v11 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v12, y = v13; v12 = x.blend(y.rearrange(D1), H1); v13 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v14, y = v15; v14 = x.blend(y.rearrange(D1), H1); v15 = x.rearrange(U1).blend(y, H1); }
                { FloatVector x = v0, y = v2; v0 = x.blend(y.rearrange(D2), H2); v2 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v1, y = v3; v1 = x.blend(y.rearrange(D2), H2); v3 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v4, y = v6; v4 = x.blend(y.rearrange(D2), H2); v6 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v5, y = v7; v5 = x.blend(y.rearrange(D2), H2); v7 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v8, y = v10; v8 = x.blend(y.rearrange(D2), H2); v10 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v9, y = v11; v9 = x.blend(y.rearrange(D2), H2); v11 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v12, y = v14; v12 = x.blend(y.rearrange(D2), H2); v14 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v13, y = v15; v13 = x.blend(y.rearrange(D2), H2); v15 = x.rearrange(U2).blend(y, H2); }
                { FloatVector x = v0, y = v4; v0 = x.blend(y.rearrange(D4), H4); v4 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v1, y = v5; v1 = x.blend(y.rearrange(D4), H4); v5 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v2, y = v6; v2 = x.blend(y.rearrange(D4), H4); v6 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v3, y = v7; v3 = x.blend(y.rearrange(D4), H4); v7 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v8, y = v12; v8 = x.blend(y.rearrange(D4), H4); v12 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v9, y = v13; v9 = x.blend(y.rearrange(D4), H4); v13 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v10, y = v14; v10 = x.blend(y.rearrange(D4), H4); v14 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v11, y = v15; v11 = x.blend(y.rearrange(D4), H4); v15 = x.rearrange(U4).blend(y, H4); }
                { FloatVector x = v0, y = v8; v0 = x.blend(y.rearrange(D8), H8); v8 = x.rearrange(U8).blend(y, H8); }
                { FloatVector x = v1, y = v9; v1 = x.blend(y.rearrange(D8), H8); v9 = x.rearrange(U8).blend(y, H8); }
                { FloatVector x = v2, y = v10; v2 = x.blend(y.rearrange(D8), H8); v10 = x.rearrange(U8).blend(y, H8); }
                { FloatVector x = v3, y = v11; v3 = x.blend(y.rearrange(D8), H8); v11 = x.rearrange(U8).blend(y, H8); }
                { FloatVector x = v4, y = v12; v4 = x.blend(y.rearrange(D8), H8); v12 = x.rearrange(U8).blend(y, H8); }
                { FloatVector x = v5, y = v13; v5 = x.blend(y.rearrange(D8), H8); v13 = x.rearrange(U8).blend(y, H8); }
                { FloatVector x = v6, y = v14; v6 = x.blend(y.rearrange(D8), H8); v14 = x.rearrange(U8).blend(y, H8); }
                { FloatVector x = v7, y = v15; v7 = x.blend(y.rearrange(D8), H8); v15 = x.rearrange(U8).blend(y, H8); }
                v0.intoArray(dst, o + 0); v1.intoArray(dst, o + 12); v2.intoArray(dst, o + 24); v3.intoArray(dst, o + 36);
                v4.intoArray(dst, o + 48); v5.intoArray(dst, o + 60); v6.intoArray(dst, o + 72); v7.intoArray(dst, o + 84);
                v8.intoArray(dst, o + 96); v9.intoArray(dst, o + 108); v10.intoArray(dst, o + 120); v11.intoArray(dst, o + 132);
                v12.intoArray(dst, o + 144); v13.intoArray(dst, o + 156); v14.intoArray(dst, o + 168); v15.intoArray(dst, o + 180, M12);
            }
        }
        return p;
    }

    /** Packs columns [j0, j0+NR) x k range [pc, pc+kcb) of op(B) into the B sliver at dst[d ...]. */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int n, int j0, int pc, int kcb,
                      float[] dst, int d) {
        int nv = Math.min(NR, n - j0);
        if (!transB) {
            // op(B)(p, j) = b[bOff + p*ldb + j]: each k step holds NR consecutive floats.
            int src = bOff + pc * ldb + j0;
            if (nv == NR) {
                for (int p = 0; p < kcb; p++, src += ldb) {
                    int o = d + p * NR;
                    FloatVector.fromArray(S, b, src).intoArray(dst, o);
                    FloatVector.fromArray(S, b, src + L).intoArray(dst, o + L);
                }
            } else {
                for (int p = 0; p < kcb; p++, src += ldb) {
                    int o = d + p * NR;
                    System.arraycopy(b, src, dst, o, nv);
                    Arrays.fill(dst, o + nv, o + NR, 0f);
                }
            }
        } else {
            // op(B)(p, j) = b[bOff + j*ldb + p]: column q of the sliver is a contiguous run over p.
            int src = bOff + j0 * ldb + pc;
            int p = 0;
            if (SIMD && nv == NR) {
                p = packB32(b, src, ldb, kcb, dst, d);
            }
            if (p < kcb) {
                for (int q = 0; q < nv; q++) {
                    int o = d + q, s = src + q * ldb;
                    for (int r = p; r < kcb; r++) dst[o + r * NR] = b[s + r];
                }
            }
            if (nv < NR) {
                for (int r = 0; r < kcb; r++) Arrays.fill(dst, d + r * NR + nv, d + r * NR + NR, 0f);
            }
        }
    }

    /** Full 32-column B sliver from B^T, 16 k steps at a time (two 16 x 16 blocks); returns the k steps packed. */
    private static int packB32(float[] b, int src, int ldb, int kcb, float[] dst, int d) {
        int p = 0;
        for (; p + 16 <= kcb; p += 16) {
            for (int h = 0; h < 2; h++) {
                int s = src + h * 16 * ldb + p, o = d + p * 32 + h * 16;
                {
                    FloatVector v0 = FloatVector.fromArray(T, b, s), v1 = FloatVector.fromArray(T, b, s + 1 * ldb);
                    FloatVector v2 = FloatVector.fromArray(T, b, s + 2 * ldb), v3 = FloatVector.fromArray(T, b, s + 3 * ldb);
                    FloatVector v4 = FloatVector.fromArray(T, b, s + 4 * ldb), v5 = FloatVector.fromArray(T, b, s + 5 * ldb);
                    FloatVector v6 = FloatVector.fromArray(T, b, s + 6 * ldb), v7 = FloatVector.fromArray(T, b, s + 7 * ldb);
                    FloatVector v8 = FloatVector.fromArray(T, b, s + 8 * ldb), v9 = FloatVector.fromArray(T, b, s + 9 * ldb);
                    FloatVector v10 = FloatVector.fromArray(T, b, s + 10 * ldb), v11 = FloatVector.fromArray(T, b, s + 11 * ldb);
                    FloatVector v12 = FloatVector.fromArray(T, b, s + 12 * ldb), v13 = FloatVector.fromArray(T, b, s + 13 * ldb);
                    FloatVector v14 = FloatVector.fromArray(T, b, s + 14 * ldb), v15 = FloatVector.fromArray(T, b, s + 15 * ldb);
                    { FloatVector x = v0, y = v1; v0 = x.blend(y.rearrange(D1), H1); v1 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v2, y = v3; v2 = x.blend(y.rearrange(D1), H1); v3 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v4, y = v5; v4 = x.blend(y.rearrange(D1), H1); v5 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v6, y = v7; v6 = x.blend(y.rearrange(D1), H1); v7 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v8, y = v9; v8 = x.blend(y.rearrange(D1), H1); v9 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v10, y = v11; v10 = x.blend(y.rearrange(D1), H1); v11 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v12, y = v13; v12 = x.blend(y.rearrange(D1), H1); v13 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v14, y = v15; v14 = x.blend(y.rearrange(D1), H1); v15 = x.rearrange(U1).blend(y, H1); }
                    { FloatVector x = v0, y = v2; v0 = x.blend(y.rearrange(D2), H2); v2 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v1, y = v3; v1 = x.blend(y.rearrange(D2), H2); v3 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v4, y = v6; v4 = x.blend(y.rearrange(D2), H2); v6 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v5, y = v7; v5 = x.blend(y.rearrange(D2), H2); v7 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v8, y = v10; v8 = x.blend(y.rearrange(D2), H2); v10 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v9, y = v11; v9 = x.blend(y.rearrange(D2), H2); v11 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v12, y = v14; v12 = x.blend(y.rearrange(D2), H2); v14 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v13, y = v15; v13 = x.blend(y.rearrange(D2), H2); v15 = x.rearrange(U2).blend(y, H2); }
                    { FloatVector x = v0, y = v4; v0 = x.blend(y.rearrange(D4), H4); v4 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v1, y = v5; v1 = x.blend(y.rearrange(D4), H4); v5 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v2, y = v6; v2 = x.blend(y.rearrange(D4), H4); v6 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v3, y = v7; v3 = x.blend(y.rearrange(D4), H4); v7 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v8, y = v12; v8 = x.blend(y.rearrange(D4), H4); v12 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v9, y = v13; v9 = x.blend(y.rearrange(D4), H4); v13 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v10, y = v14; v10 = x.blend(y.rearrange(D4), H4); v14 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v11, y = v15; v11 = x.blend(y.rearrange(D4), H4); v15 = x.rearrange(U4).blend(y, H4); }
                    { FloatVector x = v0, y = v8; v0 = x.blend(y.rearrange(D8), H8); v8 = x.rearrange(U8).blend(y, H8); }
                    { FloatVector x = v1, y = v9; v1 = x.blend(y.rearrange(D8), H8); v9 = x.rearrange(U8).blend(y, H8); }
                    { FloatVector x = v2, y = v10; v2 = x.blend(y.rearrange(D8), H8); v10 = x.rearrange(U8).blend(y, H8); }
                    { FloatVector x = v3, y = v11; v3 = x.blend(y.rearrange(D8), H8); v11 = x.rearrange(U8).blend(y, H8); }
                    { FloatVector x = v4, y = v12; v4 = x.blend(y.rearrange(D8), H8); v12 = x.rearrange(U8).blend(y, H8); }
                    { FloatVector x = v5, y = v13; v5 = x.blend(y.rearrange(D8), H8); v13 = x.rearrange(U8).blend(y, H8); }
                    { FloatVector x = v6, y = v14; v6 = x.blend(y.rearrange(D8), H8); v14 = x.rearrange(U8).blend(y, H8); }
                    { FloatVector x = v7, y = v15; v7 = x.blend(y.rearrange(D8), H8); v15 = x.rearrange(U8).blend(y, H8); }
                    v0.intoArray(dst, o + 0); v1.intoArray(dst, o + 32); v2.intoArray(dst, o + 64); v3.intoArray(dst, o + 96);
                    v4.intoArray(dst, o + 128); v5.intoArray(dst, o + 160); v6.intoArray(dst, o + 192); v7.intoArray(dst, o + 224);
                    v8.intoArray(dst, o + 256); v9.intoArray(dst, o + 288); v10.intoArray(dst, o + 320); v11.intoArray(dst, o + 352);
                    v12.intoArray(dst, o + 384); v13.intoArray(dst, o + 416); v14.intoArray(dst, o + 448); v15.intoArray(dst, o + 480);
                }
            }
        }
        return p;
    }
}
