package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/** Softmax, log-softmax, layer norm and L2 normalisation on the backend's fused row kernels. */
public final class Normalization {

    private Normalization() {}

    public static Tensor softmax(Tensor x, int dim, boolean log) {
        int d = Shapes.normalizeDim(dim, Math.max(x.dim(), 1));
        if (x.dim() == 0) return softmax(x.reshape(1), 0, log).reshape();
        boolean last = d == x.dim() - 1;
        Tensor rows = last ? x.detach().contiguous() : x.detach().transpose(d, -1).contiguous();
        Tensor y = x.backend().softmax(rows, log);
        if (!last) y = y.transpose(d, -1);
        return Node.needsGrad(x) ? Node.record(y, new SoftmaxBackward(x, y, d, log)) : y;
    }

    private static final class SoftmaxBackward extends Node {
        private final int dim;
        private final boolean log;
        private Tensor y;

        SoftmaxBackward(Tensor x, Tensor y, int dim, boolean log) {
            super(x);
            this.y = y.detach();
            this.dim = dim;
            this.log = log;
        }

        @Override
        public String name() {
            return log ? "log_softmax_backward" : "softmax_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            boolean last = dim == y.dim() - 1;
            Tensor yr = last ? y.contiguous() : y.transpose(dim, -1).contiguous();
            Tensor gr = last ? g.contiguous() : g.transpose(dim, -1).contiguous();
            Tensor gx = y.backend().softmaxBackward(yr, gr, log);
            return new Tensor[] {last ? gx : gx.transpose(dim, -1)};
        }

        @Override
        protected void releaseSaved() {
            y = null;
        }
    }

    /**
     * Layer norm over the last {@code normalizedDims} dims with biased variance; weight and bias
     * (shaped like those dims) may be null.
     */
    public static Tensor layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, double eps) {
        if (normalizedDims < 1 || normalizedDims > x.dim())
            throw new IllegalArgumentException("layer_norm over " + normalizedDims + " dims of a tensor of shape " + Shapes.format(x.shape()));
        int[] shape = x.shape();
        int[] normShape = Arrays.copyOfRange(shape, shape.length - normalizedDims, shape.length);
        int width = Shapes.numel(normShape);
        for (Tensor p : new Tensor[] {weight, bias})
            if (p != null && !Arrays.equals(p.shape(), normShape))
                throw new IllegalArgumentException("layer_norm: parameter of shape " + Shapes.format(p.shape())
                        + " does not match normalized shape " + Shapes.format(normShape) + " of input " + Shapes.format(shape));
        Views.checkSameDevice("layer_norm", x, weight, bias);
        Tensor rows = x.detach().reshape(-1, width).contiguous();
        Tensor w = weight == null ? null : weight.detach().reshape(width);
        Tensor b = bias == null ? null : bias.detach().reshape(width);
        Tensor[] r = x.backend().layerNorm(rows, w, b, (float) eps);
        Tensor y = r[0].reshape(shape);
        if (!Node.needsGrad(x, weight, bias)) return y;
        return Node.record(y, new LayerNormBackward(x, weight, bias, rows, r[1], r[2], w));
    }

    private static final class LayerNormBackward extends Node {
        private final int[] shape;
        private final boolean hasBias;
        private Tensor rows, mean, rstd, w;

        LayerNormBackward(Tensor x, Tensor weight, Tensor bias, Tensor rows, Tensor mean, Tensor rstd, Tensor w) {
            super(x, weight, bias);
            this.shape = x.shape();
            this.hasBias = bias != null;
            this.rows = rows;
            this.mean = mean;
            this.rstd = rstd;
            this.w = w;
        }

        @Override
        public String name() {
            return "layer_norm_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gr = g.reshape(-1, rows.size(1)).contiguous();
            Tensor[] r = rows.backend().layerNormBackward(gr, rows, mean, rstd, w, hasBias);
            Tensor[] in = inputs();
            return new Tensor[] {
                r[0].reshape(shape),
                r[1] == null ? null : r[1].reshape(in[1].shape()),
                r[2] == null ? null : r[2].reshape(in[2].shape())
            };
        }

        @Override
        protected void releaseSaved() {
            rows = mean = rstd = w = null;
        }
    }

    /** {@code x / max(||x||_2, eps)} along {@code dim}, like {@code F.normalize}. */
    public static Tensor normalize(Tensor x, int dim, double eps) {
        Tensor n = Reductions.norm(x, dim, true).clampMin(eps);
        return x.div(n);
    }
}
