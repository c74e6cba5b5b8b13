package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/** Matrix products with NumPy/PyTorch semantics, on the backend's batched GEMM. */
public final class Linalg {

    private Linalg() {}

    public static Tensor matmul(Tensor a, Tensor b) {
        Views.checkSameDevice("matmul", a, b);
        if (a.dim() == 0 || b.dim() == 0)
            throw new IllegalArgumentException("matmul needs at least 1-d operands, got " + Shapes.format(a.shape()) + " and " + Shapes.format(b.shape()));
        if (a.dtype() != DType.F32 || b.dtype() != DType.F32)
            throw new IllegalArgumentException("matmul needs F32 operands, got " + a.dtype() + " and " + b.dtype());
        if (a.dim() == 1 && b.dim() == 1) return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        int k = a.size(-1);
        if (b.size(-2) != k)
            throw new IllegalArgumentException("matmul: shapes " + Shapes.format(a.shape()) + " and " + Shapes.format(b.shape())
                    + " cannot be multiplied (" + k + " != " + b.size(-2) + ")");
        Tensor y = product(a.detach(), b.detach());
        return Node.needsGrad(a, b) ? Node.record(y, new MatmulBackward(a, b)) : y;
    }

    /** The product of two detached operands of rank >= 2. */
    private static Tensor product(Tensor a, Tensor b) {
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (b.dim() == 2) {
            // [..., m, k] @ [k, n]: fold all leading dims of a into m when its layout allows (one GEMM).
            int[] lead = Arrays.copyOf(a.shape(), a.dim() - 2);
            Tensor a2 = a.dim() == 2 ? a : a.reshape(-1, k);
            Tensor y = a2.backend().matmul(a2.unsqueeze(0), b.unsqueeze(0), 1f);
            int[] shape = Arrays.copyOf(lead, lead.length + 2);
            shape[lead.length] = m;
            shape[lead.length + 1] = n;
            return y.reshape(shape);
        }
        int[] aBatch = Arrays.copyOf(a.shape(), a.dim() - 2);
        int[] bBatch = Arrays.copyOf(b.shape(), b.dim() - 2);
        int[] batch = Shapes.broadcast(aBatch, bBatch);
        int nb = Shapes.numel(batch);
        Tensor a3 = flattenBatch(Views.broadcastView(a, concat(batch, m, k)), nb);
        Tensor b3 = flattenBatch(Views.broadcastView(b, concat(batch, k, n)), nb);
        Tensor y = a.backend().matmul(a3, b3, 1f);
        return y.reshape(concat(batch, m, n));
    }

    /** Views [batch..., r, c] as [nb, r, c], keeping stride-0 broadcasting when possible. */
    private static Tensor flattenBatch(Tensor t, int nb) {
        int r = t.size(-2), c = t.size(-1);
        int[] st = t.strides();
        int rank = t.dim();
        // The batch dims collapse into one when they are uniformly strided (or all broadcast).
        int batchStride = -1;
        boolean uniform = true;
        int expected = -1;
        for (int i = rank - 3; i >= 0; i--) {
            int size = t.shape()[i];
            if (size == 1) continue;
            if (batchStride < 0) {
                batchStride = st[i];
                expected = st[i] * size;
            } else if (st[i] == expected || (batchStride == 0 && st[i] == 0)) {
                expected = st[i] * size;
            } else {
                uniform = false;
                break;
            }
        }
        if (uniform) {
            return t.viewOf(new int[] {nb, r, c}, new int[] {Math.max(batchStride, 0), st[rank - 2], st[rank - 1]}, t.offset());
        }
        Tensor contiguous = Views.contiguous(t);
        return contiguous.reshape(nb, r, c);
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    private static final class MatmulBackward extends Node {
        private Tensor a, b;

        MatmulBackward(Tensor a, Tensor b) {
            super(a, b);
            this.a = a.detach();
            this.b = b.detach();
        }

        @Override
        public String name() {
            return "matmul_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] inputs = inputs();
            Tensor ga = null, gb = null;
            if (inputs[0] != null && inputs[0].requiresGrad()) {
                ga = Arithmetic.sumToShape(matmul(g, b.t()), a.shape());
            }
            if (inputs[1] != null && inputs[1].requiresGrad()) {
                if (b.dim() == 2 && a.dim() > 2) {
                    // Weight of a linear layer: one GEMM over all rows instead of a batch and a sum.
                    int k = a.size(-1), n = b.size(-1);
                    gb = matmul(a.reshape(-1, k).t(), g.reshape(-1, n));
                } else {
                    gb = Arithmetic.sumToShape(matmul(a.t(), g), b.shape());
                }
            }
            return new Tensor[] {ga, gb};
        }

        @Override
        protected void releaseSaved() {
            a = b = null;
        }
    }
}
