package dev.eve.cuda;

import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;

/**
 * Attention for head dims the fused kernels do not handle, composed of the backend's GEMM, softmax and
 * elementwise kernels (materialises the [B*H, Nq, Nk] scores). Same contract as the fused path: a
 * query row whose keys are all masked gets NaN, as on the CPU.
 */
final class ComposedAttention {

    private ComposedAttention() {}

    /** [B,H,N,D] -> contiguous F32 [B*H, N, D]. */
    private static Tensor flat(CudaBackend be, Tensor t) {
        Tensor c = be.convert(t, DType.F32);
        int b = t.size(0), h = t.size(1), n = t.size(2), d = t.size(3);
        return c.viewOf(new int[] {b * h, n, d}, new int[] {n * d, d, 1}, c.offset());
    }

    private static Tensor transposed(Tensor t) {
        int[] s = t.shape(), st = t.strides();
        return t.viewOf(new int[] {s[0], s[2], s[1]}, new int[] {st[0], st[2], st[1]}, t.offset());
    }

    /** Scores s = q k^T * scale with masked keys at -inf: [B*H, Nq, Nk] F32. */
    private static Tensor scores(CudaBackend be, Tensor q3, Tensor k3, Tensor keyMask, int b, int h, float scale) {
        Tensor s = be.matmul(q3, transposed(k3), scale);
        if (keyMask != null) {
            int nq = q3.size(1), nk = k3.size(1);
            Tensor keep = be.binaryScalar(BinaryOp.NE, keyMask, 0, false); // BOOL [B, Nk]
            Tensor zero = be.empty(DType.F32, new int[] {b, nk}), negInf = be.empty(DType.F32, new int[] {b, nk});
            be.fill(zero, 0);
            be.fill(negInf, Double.NEGATIVE_INFINITY);
            Tensor bias = be.where(keep, zero, negInf);
            Tensor s4 = s.viewOf(new int[] {b, h, nq, nk}, new int[] {h * nq * nk, nq * nk, nk, 1}, 0);
            Tensor bias4 = bias.viewOf(new int[] {b, h, nq, nk}, new int[] {nk, 0, 0, 1}, bias.offset());
            be.addInPlace(s4, bias4, 1f);
        }
        return s;
    }

    private static Tensor rowBroadcast(Tensor r, int[] shape) {
        // r [BH, Nq, 1] contiguous -> [BH, Nq, Nk] with a zero last stride
        return r.viewOf(shape, new int[] {shape[1], 1, 0}, r.offset());
    }

    static Tensor[] forward(CudaBackend be, Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale) {
        int b = q.size(0), h = q.size(1), nq = q.size(2), d = q.size(3);
        Tensor q3 = flat(be, q), k3 = flat(be, k), v3 = flat(be, v);
        Tensor s = scores(be, q3, k3, keyMask, b, h, scale);
        Tensor p = be.softmax(s, false);
        Tensor m = be.reduce(ReduceOp.MAX, s, new int[] {2});
        Tensor e = be.unary(UnaryOp.EXP, be.binary(BinaryOp.SUB, s, rowBroadcast(m, s.shape())));
        Tensor lse = be.binary(BinaryOp.ADD, m, be.unary(UnaryOp.LOG, be.reduce(ReduceOp.SUM, e, new int[] {2})));
        Tensor out = be.matmul(p, v3, 1f);
        Tensor out4 = out.viewOf(new int[] {b, h, nq, d}, new int[] {h * nq * d, nq * d, d, 1}, 0);
        Tensor lse3 = lse.viewOf(new int[] {b, h, nq}, new int[] {h * nq, nq, 1}, 0);
        if (q.dtype() != DType.F32) out4 = be.convert(out4, q.dtype());
        return new Tensor[] {out4, lse3};
    }

    static Tensor[] backward(CudaBackend be, Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale,
                             Tensor out, Tensor logsumexp, Tensor gradOut) {
        int b = q.size(0), h = q.size(1), nq = q.size(2);
        Tensor q3 = flat(be, q), k3 = flat(be, k), v3 = flat(be, v), o3 = flat(be, out), g3 = flat(be, gradOut);
        Tensor s = scores(be, q3, k3, keyMask, b, h, scale);
        Tensor lse = be.convert(logsumexp, DType.F32);
        Tensor lse3 = lse.viewOf(new int[] {b * h, nq, 1}, new int[] {nq, 1, 1}, lse.offset());
        Tensor p = be.unary(UnaryOp.EXP, be.binary(BinaryOp.SUB, s, rowBroadcast(lse3, s.shape())));
        Tensor dP = be.matmul(g3, transposed(v3), 1f);
        Tensor delta = be.reduce(ReduceOp.SUM, be.binary(BinaryOp.MUL, g3, o3), new int[] {2}); // [BH, Nq, 1]
        Tensor dS = be.binary(BinaryOp.MUL, p, be.binary(BinaryOp.SUB, dP, rowBroadcast(delta, dP.shape())));
        Tensor dq = be.matmul(dS, k3, scale);
        Tensor dk = be.matmul(transposed(dS), q3, scale);
        Tensor dv = be.matmul(transposed(p), g3, 1f);
        return new Tensor[] {unflat(be, dq, q), unflat(be, dk, k), unflat(be, dv, v)};
    }

    private static Tensor unflat(CudaBackend be, Tensor t3, Tensor like) {
        int[] s = like.shape();
        Tensor t = t3.viewOf(s, new int[] {s[1] * s[2] * s[3], s[2] * s[3], s[3], 1}, 0);
        return like.dtype() == DType.F32 ? t : be.convert(t, like.dtype());
    }
}
