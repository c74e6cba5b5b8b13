package dev.eve.core.backend.cpu;

import dev.eve.core.backend.ReduceOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;
import static dev.eve.core.backend.cpu.VectorMath.F;
import static dev.eve.core.backend.cpu.VectorMath.LANES;

/**
 * Fused scaled dot-product attention. Work is split into (batch, head, block of queries) tiles; a
 * tile holds its block's scores against all keys (QUERY_BLOCK x Nk floats), never the [B,H,N,N]
 * tensor. The forward saves the log-sum-exp of each query row; the backward recomputes the
 * probabilities from it, one (batch, head) per task so that dK and dV have a single writer.
 */
final class AttentionKernel {

    static final int QUERY_BLOCK = 64;

    private AttentionKernel() {}

    private static boolean[] keepMask(Tensor mask, int b, int nk) {
        if (mask == null) return null;
        long[] m = mask.toLongArray();
        boolean[] keep = new boolean[b * nk];
        for (int i = 0; i < keep.length; i++) keep[i] = m[i] != 0;
        return keep;
    }

    static Tensor[] forward(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        int b = q.size(0), h = q.size(1), nq = q.size(2), d = q.size(3), nk = k.size(2);
        Tensor out = empty(DType.F32, q.shape());
        Tensor lse = empty(DType.F32, new int[] {b, h, nq});
        float[] qs = storage(q).floats(), ks = storage(k).floats(), vs = storage(v).floats();
        float[] os = storage(out).floats(), ls = storage(lse).floats();
        int qBase = q.offset(), kBase = k.offset(), vBase = v.offset();
        boolean[] keep = keepMask(mask, b, nk);
        int blocks = (nq + QUERY_BLOCK - 1) / QUERY_BLOCK;
        Parallel.forChunks(b * h * blocks, task -> {
            int bh = task / blocks, blk = task % blocks;
            int bi = bh / h;
            int q0 = blk * QUERY_BLOCK, rows = Math.min(QUERY_BLOCK, nq - q0);
            float[] s = new float[rows * nk];
            int qOff = qBase + (bh * nq + q0) * d, kOff = kBase + bh * nk * d, vOff = vBase + bh * nk * d;
            Sgemm.sgemmSequential(false, true, rows, nk, d, scale, qs, qOff, d, ks, kOff, d, 0f, s, 0, nk);
            for (int r = 0; r < rows; r++) {
                int so = r * nk;
                if (keep != null) maskRow(s, so, keep, bi * nk, nk);
                ls[bh * nq + q0 + r] = probabilities(s, so, nk);
            }
            Sgemm.sgemmSequential(false, false, rows, d, nk, 1f, s, 0, nk, vs, vOff, d, 0f, os, (bh * nq + q0) * d, d);
        });
        return new Tensor[] {out, lse};
    }

    private static void maskRow(float[] s, int so, boolean[] keep, int ko, int nk) {
        for (int j = 0; j < nk; j++) if (!keep[ko + j]) s[so + j] = Float.NEGATIVE_INFINITY;
    }

    /** Replaces a row of scores by its softmax; returns the row's log-sum-exp (NaN if all masked). */
    private static float probabilities(float[] s, int so, int n) {
        float max = ReductionKernels.reduceRow(ReduceOp.MAX, s, so, n);
        FloatVector mv = FloatVector.broadcast(F, max), sum = FloatVector.zero(F);
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += LANES) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, s, so + i).sub(mv));
            e.intoArray(s, so + i);
            sum = sum.add(e);
        }
        float total = VectorMath.sum(sum);
        for (; i < n; i++) {
            float e = VectorMath.exp(s[so + i] - max);
            s[so + i] = e;
            total += e;
        }
        float inv = 1f / total;
        FloatVector iv = FloatVector.broadcast(F, inv);
        for (i = 0; i < bound; i += LANES) FloatVector.fromArray(F, s, so + i).mul(iv).intoArray(s, so + i);
        for (; i < n; i++) s[so + i] *= inv;
        return max + (float) Math.log(total);
    }

    /** Recomputes probabilities from scores and the saved log-sum-exp: p = exp(s - lse). */
    private static void probabilitiesFromLse(float[] s, int so, int n, float lse) {
        FloatVector lv = FloatVector.broadcast(F, lse);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += LANES)
            VectorMath.exp(FloatVector.fromArray(F, s, so + i).sub(lv)).intoArray(s, so + i);
        for (; i < n; i++) s[so + i] = VectorMath.exp(s[so + i] - lse);
    }

    static Tensor[] backward(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor lse, Tensor gOut) {
        int b = q.size(0), h = q.size(1), nq = q.size(2), d = q.size(3), nk = k.size(2);
        Tensor gq = empty(DType.F32, q.shape()), gk = empty(DType.F32, k.shape()), gv = empty(DType.F32, v.shape());
        float[] qs = storage(q).floats(), ks = storage(k).floats(), vs = storage(v).floats();
        float[] os = storage(out).floats(), ls = storage(lse).floats(), gos = storage(gOut).floats();
        float[] gqs = storage(gq).floats(), gks = storage(gk).floats(), gvs = storage(gv).floats();
        int qBase = q.offset(), kBase = k.offset(), vBase = v.offset(), oBase = out.offset(), lBase = lse.offset(), gBase = gOut.offset();
        boolean[] keep = keepMask(mask, b, nk);
        Parallel.forChunks(b * h, bh -> {
            int bi = bh / h;
            int kOff = kBase + bh * nk * d, vOff = vBase + bh * nk * d;
            int gkOff = bh * nk * d, gvOff = bh * nk * d;
            float[] p = new float[Math.min(QUERY_BLOCK, nq) * nk];
            float[] dp = new float[p.length];
            for (int q0 = 0; q0 < nq; q0 += QUERY_BLOCK) {
                int rows = Math.min(QUERY_BLOCK, nq - q0);
                int qOff = qBase + (bh * nq + q0) * d, rowOff = (bh * nq + q0) * d;
                Sgemm.sgemmSequential(false, true, rows, nk, d, scale, qs, qOff, d, ks, kOff, d, 0f, p, 0, nk);
                for (int r = 0; r < rows; r++) {
                    if (keep != null) maskRow(p, r * nk, keep, bi * nk, nk);
                    probabilitiesFromLse(p, r * nk, nk, ls[lBase + bh * nq + q0 + r]);
                }
                // dV += P^T dO
                Sgemm.sgemmSequential(true, false, nk, d, rows, 1f, p, 0, nk, gos, gBase + rowOff, d, 1f, gvs, gvOff, d);
                // dP = dO V^T
                Sgemm.sgemmSequential(false, true, rows, nk, d, 1f, gos, gBase + rowOff, d, vs, vOff, d, 0f, dp, 0, nk);
                // dS = P * (dP - rowsum(dO * O))
                for (int r = 0; r < rows; r++) {
                    float delta = RowKernels.dot(gos, gBase + rowOff + r * d, os, oBase + rowOff + r * d, d);
                    int so = r * nk;
                    int i = 0;
                    FloatVector dv = FloatVector.broadcast(F, delta);
                    for (int bound = F.loopBound(nk); i < bound; i += LANES) {
                        FloatVector pv = FloatVector.fromArray(F, p, so + i);
                        pv.mul(FloatVector.fromArray(F, dp, so + i).sub(dv)).intoArray(dp, so + i);
                    }
                    for (; i < nk; i++) dp[so + i] = p[so + i] * (dp[so + i] - delta);
                }
                // dQ = scale * dS K ; dK += scale * dS^T Q
                Sgemm.sgemmSequential(false, false, rows, d, nk, scale, dp, 0, nk, ks, kOff, d, 0f, gqs, rowOff, d);
                Sgemm.sgemmSequential(true, false, nk, d, rows, scale, dp, 0, nk, qs, qOff, d, 1f, gks, gkOff, d);
            }
        });
        return new Tensor[] {gq, gk, gv};
    }
}
