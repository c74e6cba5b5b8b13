package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.backend.Backend;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

/**
 * The loss of masked-language-model pre-training, fused: the hidden states of the masked positions are
 * projected onto a (usually tied) vocabulary matrix and scored with cross-entropy without ever holding the
 * [rows, V] logits or probabilities (Karpathy's llm.c fused classifier, here without its logits buffer).
 * The rows whose target is {@code ignoreIndex} are dropped before the projection, so they cost nothing.
 *
 * <p>The kernels are {@link Backend#maskedCrossEntropyForward} and {@link Backend#maskedCrossEntropyBackward};
 * this class selects the rows, checks the arguments and records the backward. The forward saves only the
 * gathered rows and one log-sum-exp per row; the backward recomputes the logits chunk by chunk.
 */
public final class MaskedPrediction {

    private static final String OP = "masked_cross_entropy";

    private MaskedPrediction() {}

    /**
     * Mean (or sum) cross-entropy of {@code softmax(hidden[i] . weight^T + bias)} against {@code targets[i]}
     * over the rows whose target is not {@code ignoreIndex}. hidden [N, H] with targets [N], or [B, T, H] with
     * targets [B, T]; weight [V, H]; bias [V] or null; targets of an integer type. NONE gives the per-position
     * losses in the shape of {@code targets}, 0 at ignored positions (as PyTorch).
     *
     * <p>With no valid row the loss is 0 and every gradient is zero, unlike PyTorch's NaN mean over zero
     * rows: a batch where nothing was masked contributes nothing to training.
     *
     * @throws IllegalArgumentException for a target id outside [0, V) other than {@code ignoreIndex}, a shape
     *     mismatch, or a dtype other than F32 for hidden, weight or bias
     */
    public static Tensor crossEntropy(Tensor hidden, Tensor weight, Tensor bias, Tensor targets,
                                      long ignoreIndex, Reduction reduction) {
        if (hidden == null || weight == null || targets == null || reduction == null)
            throw new IllegalArgumentException(OP + ": hidden, weight, targets and reduction must not be null");
        Views.checkSameDevice(OP, hidden, weight, targets, bias);
        checkFloat("hidden", hidden);
        checkFloat("weight", weight);
        if (bias != null) checkFloat("bias", bias);
        if (!targets.dtype().isInteger())
            throw new IllegalArgumentException(OP + ": targets must be an integer tensor of class ids, got " + targets.dtype());
        checkShapes(hidden, weight, bias, targets);

        int rowsTotal = targets.numel(), h = weight.size(1), vocab = weight.size(0);
        long[] ids = targets.toLongArray();
        int n = 0;
        for (int i = 0; i < rowsTotal; i++) {
            long id = ids[i];
            if (id == ignoreIndex) continue;
            if (id < 0 || id >= vocab)
                throw new IllegalArgumentException(OP + ": target id " + id + " (position " + i + ") is outside the vocabulary [0, "
                        + vocab + ") of V = " + vocab + " (ignore_index = " + ignoreIndex + ")");
            n++;
        }
        long[] rowIndex = new long[n], rowTarget = new long[n];
        for (int i = 0, j = 0; i < rowsTotal; i++) {
            if (ids[i] == ignoreIndex) continue;
            rowIndex[j] = i;
            rowTarget[j++] = ids[i];
        }

        Backend backend = hidden.backend();
        Tensor all = hidden.detach().reshape(rowsTotal, h);
        Tensor index = n == rowsTotal ? null : Tensor.fromStorage(backend.fromLongs(rowIndex, DType.I64), n);
        Tensor rows = (index == null ? all : backend.indexSelect(all, 0, index)).contiguous();
        Tensor tgt = Tensor.fromStorage(backend.fromLongs(rowTarget, DType.I64), n);
        Tensor w = weight.detach().contiguous();
        Tensor b = bias == null ? null : bias.detach().contiguous();

        Tensor out, lse = null;
        if (n == 0) {
            out = reduction == Reduction.NONE ? Tensor.zeros(hidden.device(), DType.F32, targets.shape()) : hidden.detach().newScalar(0);
        } else {
            Tensor[] r = backend.maskedCrossEntropyForward(rows, w, b, tgt);
            lse = r[1];
            out = switch (reduction) {
                case SUM -> r[0].sum();
                case MEAN -> r[0].sum().div(n);
                case NONE -> scatterRows(r[0].reshape(n, 1), index, rowsTotal).reshape(targets.shape());
            };
        }
        if (!Node.needsGrad(hidden, weight, bias)) return out;
        return Node.record(out, new MaskedCrossEntropyBackward(hidden, weight, bias, rows, w, b, tgt, lse, index, reduction));
    }

    private static void checkFloat(String what, Tensor t) {
        if (t.dtype() != DType.F32)
            throw new IllegalArgumentException(OP + ": " + what + " must be F32, got " + t.dtype());
    }

    private static void checkShapes(Tensor hidden, Tensor weight, Tensor bias, Tensor targets) {
        boolean ok = (hidden.dim() == 2 || hidden.dim() == 3) && weight.dim() == 2
                && weight.size(1) == hidden.size(-1)
                && targets.dim() == hidden.dim() - 1
                && java.util.Arrays.equals(targets.shape(), java.util.Arrays.copyOf(hidden.shape(), hidden.dim() - 1))
                && (bias == null || bias.dim() == 1 && bias.size(0) == weight.size(0));
        if (!ok)
            throw new IllegalArgumentException(OP + ": hidden " + Shapes.format(hidden.shape()) + ", weight " + Shapes.format(weight.shape())
                    + (bias == null ? "" : ", bias " + Shapes.format(bias.shape())) + " and targets " + Shapes.format(targets.shape())
                    + " do not match: expected hidden [N, H] with targets [N] or [B, T, H] with [B, T], weight [V, H], bias [V]");
    }

    /** [n, width] rows -> [total, width] with row j at index[j] and zeros elsewhere (index null: identity). */
    private static Tensor scatterRows(Tensor rows, Tensor index, int total) {
        if (index == null) return rows;
        Tensor out = Tensor.zeros(rows.device(), DType.F32, total, rows.size(1));
        out.backend().indexAdd(out, 0, index, rows.contiguous());
        return out;
    }

    private static final class MaskedCrossEntropyBackward extends Node {
        private final Reduction reduction;
        private final int[] hiddenShape, weightShape;
        private final boolean hasBias;
        private Tensor rows, w, b, tgt, lse, index;

        MaskedCrossEntropyBackward(Tensor hiddenIn, Tensor weightIn, Tensor biasIn, Tensor rows, Tensor w, Tensor b,
                                   Tensor tgt, Tensor lse, Tensor index, Reduction reduction) {
            super(hiddenIn, weightIn, biasIn);
            this.hiddenShape = hiddenIn.shape();
            this.weightShape = weightIn.shape();
            this.hasBias = biasIn != null;
            this.rows = rows;
            this.w = w;
            this.b = b;
            this.tgt = tgt;
            this.lse = lse;
            this.index = index;
            this.reduction = reduction;
        }

        @Override
        public String name() {
            return "masked_cross_entropy_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] in = inputs();
            boolean needH = in[0].requiresGrad(), needW = in[1].requiresGrad(), needB = hasBias && in[2].requiresGrad();
            int n = rows.size(0), total = 1;
            for (int i = 0; i < hiddenShape.length - 1; i++) total *= hiddenShape[i];
            if (n == 0) {
                return new Tensor[] {
                        needH ? Tensor.zeros(g.device(), DType.F32, hiddenShape) : null,
                        needW ? Tensor.zeros(g.device(), DType.F32, weightShape) : null,
                        needB ? Tensor.zeros(g.device(), DType.F32, weightShape[0]) : null};
            }
            Tensor gf = g.to(DType.F32);
            Tensor rowGrad = switch (reduction) {
                case SUM -> gf.reshape(1).expand(n).contiguous();
                case MEAN -> gf.reshape(1).div(n).expand(n).contiguous();
                case NONE -> index == null ? gf.reshape(n).contiguous() : gf.reshape(-1).indexSelect(0, index).contiguous();
            };
            Tensor[] r = rows.backend().maskedCrossEntropyBackward(rows, w, b, tgt, lse, rowGrad, needH, needW, needB);
            Tensor gh = r[0] == null ? null : scatterRows(r[0], index, total).reshape(hiddenShape);
            return new Tensor[] {gh, r[1], r[2]};
        }

        @Override
        protected void releaseSaved() {
            rows = w = b = tgt = lse = index = null;
        }
    }
}
