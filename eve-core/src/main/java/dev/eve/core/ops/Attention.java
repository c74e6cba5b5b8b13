package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/**
 * Scaled dot-product attention with a key-padding mask, fused: {@code softmax(q k^T * scale + mask) v}
 * computed per (batch, head) tile, so the [B,H,N,N] score tensor never exists.
 */
public final class Attention {

    private Attention() {}

    /**
     * q [B,H,Nq,D], k and v [B,H,Nk,D], keyMask [B,Nk] (non-zero = attend; null = all) -> [B,H,Nq,D].
     * A query whose keys are all masked gets NaN, as in PyTorch's masked_fill(-inf) + softmax.
     */
    public static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor keyMask, double scale) {
        Views.checkSameDevice("attention", q, k, v, keyMask);
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
            throw new IllegalArgumentException("attention expects q, k, v of rank 4 [B,H,N,D], got "
                    + Shapes.format(q.shape()) + ", " + Shapes.format(k.shape()) + ", " + Shapes.format(v.shape()));
        int b = q.size(0), h = q.size(1), d = q.size(3), nk = k.size(2);
        if (!Arrays.equals(k.shape(), v.shape()) || k.size(0) != b || k.size(1) != h || k.size(3) != d)
            throw new IllegalArgumentException("attention: k " + Shapes.format(k.shape()) + " and v " + Shapes.format(v.shape())
                    + " do not match q " + Shapes.format(q.shape()));
        if (keyMask != null && (keyMask.dim() != 2 || keyMask.size(0) != b || keyMask.size(1) != nk))
            throw new IllegalArgumentException("attention: key mask of shape " + Shapes.format(keyMask.shape())
                    + ", expected [" + b + ", " + nk + "]");
        Tensor qc = q.detach().contiguous(), kc = k.detach().contiguous(), vc = v.detach().contiguous();
        Tensor mask = keyMask == null ? null : keyMask.detach().contiguous();
        Tensor[] r = q.backend().attention(qc, kc, vc, mask, (float) scale);
        if (!Node.needsGrad(q, k, v)) return r[0];
        return Node.record(r[0], new AttentionBackward(q, k, v, qc, kc, vc, mask, (float) scale, r[0], r[1]));
    }

    private static final class AttentionBackward extends Node {
        private final float scale;
        private Tensor q, k, v, mask, out, lse;

        AttentionBackward(Tensor qIn, Tensor kIn, Tensor vIn, Tensor q, Tensor k, Tensor v, Tensor mask,
                          float scale, Tensor out, Tensor lse) {
            super(qIn, kIn, vIn);
            this.q = q;
            this.k = k;
            this.v = v;
            this.mask = mask;
            this.scale = scale;
            this.out = out.detach();
            this.lse = lse;
        }

        @Override
        public String name() {
            return "scaled_dot_product_attention_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return q.backend().attentionBackward(q, k, v, mask, scale, out, lse, g.contiguous());
        }

        @Override
        protected void releaseSaved() {
            q = k = v = mask = out = lse = null;
        }
    }

    /** The same attention composed from plain ops (materialises the scores): a reference for tests. */
    public static Tensor reference(Tensor q, Tensor k, Tensor v, Tensor keyMask, double scale) {
        Tensor s = q.mul(scale).matmul(k.transpose(-2, -1));
        if (keyMask != null) {
            Tensor masked = keyMask.eq(0).reshape(keyMask.size(0), 1, 1, keyMask.size(1));
            s = s.maskedFill(masked, Double.NEGATIVE_INFINITY);
        }
        return s.softmax(-1).matmul(v);
    }
}
