package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/** Reductions over dims: sum, mean, max, min, prod, any, all, var, logsumexp, norm, argmax. */
public final class Reductions {

    private Reductions() {}

    /** Sorted distinct dims in range; all dims when {@code dims} is null. */
    static int[] normalizeDims(int[] dims, int rank) {
        if (dims == null) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) d[i] = Shapes.normalizeDim(dims[i], rank);
        Arrays.sort(d);
        for (int i = 1; i < d.length; i++)
            if (d[i] == d[i - 1]) throw new IllegalArgumentException("dim " + d[i] + " appears twice in " + Arrays.toString(dims));
        return rank == 0 ? new int[0] : d;
    }

    /** The shape after reducing {@code dims} with keepdim=false. */
    static int[] dropDims(int[] shape, int[] dims) {
        int[] out = new int[shape.length - dims.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < dims.length && dims[k] == i) {
                k++;
                continue;
            }
            out[j++] = shape[i];
        }
        return out;
    }

    public static Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        int[] d = normalizeDims(dims, x.dim());
        for (int dim : d)
            if (x.shape()[dim] == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN))
                throw new IllegalArgumentException(op.name().toLowerCase(Locale.ROOT) + " of an empty dim " + dim + " of shape " + Shapes.format(x.shape()));
        Tensor kept = x.backend().reduce(op, x, d);
        Tensor y = keepdim ? kept : kept.detach().reshape(dropDims(x.shape(), d));
        boolean differentiable = op != ReduceOp.ANY && op != ReduceOp.ALL && x.dtype().isFloating();
        if (!differentiable || !Node.needsGrad(x)) return y;
        return Node.record(y, new ReduceBackward(op, x, kept, d));
    }

    private static final class ReduceBackward extends Node {
        private final ReduceOp op;
        private final int[] shape, keptShape;
        private final int count;
        private Tensor x, kept;

        ReduceBackward(ReduceOp op, Tensor x, Tensor kept, int[] dims) {
            super(x);
            this.op = op;
            this.shape = x.shape();
            this.keptShape = kept.shape();
            int n = 1;
            for (int dim : dims) n *= shape[dim];
            this.count = n;
            boolean needsValues = op == ReduceOp.MAX || op == ReduceOp.MIN || op == ReduceOp.PROD;
            this.x = needsValues ? x.detach() : null;
            this.kept = needsValues ? kept.detach() : null;
        }

        @Override
        public String name() {
            return op.name().toLowerCase(Locale.ROOT) + "_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gk = g.reshape(keptShape);
            Tensor gx = switch (op) {
                case SUM -> gk.expand(shape);
                case MEAN -> gk.div(count).expand(shape);
                case MAX, MIN -> {
                    // Like torch.amax/amin: ties share the gradient equally.
                    Tensor hit = x.eq(kept).to(g.dtype());
                    Tensor hits = hit.sum(dimsOf(), true);
                    yield hit.mul(gk.div(hits));
                }
                case PROD -> gk.mul(kept).div(x);
                default -> throw new IllegalStateException("no derivative for " + op);
            };
            return new Tensor[] {gx};
        }

        private int[] dimsOf() {
            int n = 0;
            int[] d = new int[shape.length];
            for (int i = 0; i < shape.length; i++) if (keptShape[i] == 1 && shape[i] != 1) d[n++] = i;
            return Arrays.copyOf(d, n);
        }

        @Override
        protected void releaseSaved() {
            x = kept = null;
        }
    }

    /** Variance with the given correction (1 = unbiased), composed from differentiable ops. */
    public static Tensor var(Tensor x, int[] dims, int correction, boolean keepdim) {
        int[] d = normalizeDims(dims, x.dim());
        int n = 1;
        for (int dim : d) n *= x.shape()[dim];
        Tensor centered = x.sub(x.mean(d, true));
        return centered.square().sum(d, keepdim).div(Math.max(n - correction, 0));
    }

    /** {@code log(sum(exp(x), dim))}, shifted by the max for stability. */
    public static Tensor logsumexp(Tensor x, int dim, boolean keepdim) {
        Tensor m = x.detach().max(dim, true);
        // A row of -inf has max -inf; shift by 0 there so the result is -inf rather than NaN.
        m = Indexing.maskedFill(m, m.isFinite().logicalNot(), 0);
        Tensor y = x.sub(m).exp().sum(dim, true).log().add(m);
        return keepdim ? y : y.squeeze(dim);
    }

    /** Euclidean norm along {@code dim}; its gradient is 0 (not NaN) where the norm is 0. */
    public static Tensor norm(Tensor x, int dim, boolean keepdim) {
        int d = Shapes.normalizeDim(dim, x.dim());
        Tensor n;
        try (var ignored = dev.eve.core.autograd.NoGrad.enter()) {
            n = x.square().sum(d, true).sqrt();
        }
        Tensor y = keepdim ? n : n.squeeze(d);
        return Node.needsGrad(x) ? Node.record(y, new NormBackward(x, n)) : y;
    }

    private static final class NormBackward extends Node {
        private Tensor x, n;

        NormBackward(Tensor x, Tensor n) {
            super(x);
            this.x = x.detach();
            this.n = n.detach();
        }

        @Override
        public String name() {
            return "norm_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor safe = Indexing.maskedFill(n, n.eq(0), 1);
            Tensor scale = g.reshape(n.shape()).div(safe);
            return new Tensor[] {x.mul(scale)};
        }

        @Override
        protected void releaseSaved() {
            x = n = null;
        }
    }

    public static Tensor argReduce(boolean max, Tensor x, int dim, boolean keepdim) {
        int d = Shapes.normalizeDim(dim, x.dim());
        if (x.dim() == 0) return Tensor.zeros(x.device(), DType.I64);
        if (x.shape()[d] == 0)
            throw new IllegalArgumentException((max ? "argmax" : "argmin") + " of an empty dim " + dim);
        Tensor idx = x.backend().argReduce(max, x.detach(), d);
        return keepdim ? idx : idx.squeeze(d);
    }
}
