package dev.eve.core.ops;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/** Loss functions with PyTorch's definitions and reductions. */
public final class Losses {

    private Losses() {}

    /**
     * Cross-entropy of logits [N, C] (or [C]) against class ids [N]; rows whose target equals
     * {@code ignoreIndex} contribute nothing and, with MEAN, are not counted (PyTorch semantics: the
     * mean over zero rows is NaN). {@code labelSmoothing} mixes the one-hot target with uniform.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex, double labelSmoothing, Reduction reduction) {
        if (!target.dtype().isInteger())
            return crossEntropySoft(logits, target, reduction);
        if (logits.dim() == 1) return crossEntropy(logits.unsqueeze(0), target.reshape(1), ignoreIndex, labelSmoothing, reduction).reshape();
        if (logits.dim() != 2 || target.dim() != 1 || target.size(0) != logits.size(0))
            throw new IllegalArgumentException("cross_entropy: logits " + Shapes.format(logits.shape())
                    + " and targets " + Shapes.format(target.shape()) + " must be [N, C] and [N]");
        int classes = logits.size(1);
        Tensor valid = target.ne(ignoreIndex);
        Tensor safeTarget = Indexing.maskedFill(target, valid.logicalNot(), 0);
        Indexing.checkRange("cross_entropy target", safeTarget, classes);
        Tensor logp = logits.logSoftmax(1);
        Tensor nll = logp.gather(1, safeTarget.unsqueeze(1)).squeeze(1).neg();
        if (labelSmoothing > 0) {
            Tensor smooth = logp.mean(1, false).neg();
            nll = nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
        }
        Tensor weight = valid.to(DType.F32);
        Tensor perRow = nll.mul(weight);
        return switch (reduction) {
            case NONE -> perRow;
            case SUM -> perRow.sum();
            case MEAN -> perRow.sum().div(weight.sum());
        };
    }

    /**
     * Mean (or sum) cross-entropy of {@code softmax(hidden[i] . weight^T + bias)} against {@code targets[i]},
     * over the rows whose target != {@code ignoreIndex} only: the fused masked-language-model loss. hidden
     * [N, H] or [B, T, H] (then targets [B, T]), weight [V, H], bias [V] or null, targets integer. Rows with
     * {@code ignoreIndex} are never projected (they are gathered out first), and the [rows, V] logits are
     * never materialised: the vocabulary is processed in chunks with an online log-sum-exp. With no valid
     * row the loss is 0 and the gradients are zero (not PyTorch's NaN mean): a batch where nothing was
     * masked contributes nothing. F32 only. See {@link MaskedPrediction}.
     */
    public static Tensor maskedCrossEntropy(Tensor hidden, Tensor weight, Tensor bias, Tensor targets,
                                            long ignoreIndex, Reduction reduction) {
        return MaskedPrediction.crossEntropy(hidden, weight, bias, targets, ignoreIndex, reduction);
    }

    /** Cross-entropy against a probability distribution per row: {@code -sum(p * log_softmax(x))}. */
    public static Tensor crossEntropySoft(Tensor logits, Tensor probs, Reduction reduction) {
        if (!Arrays.equals(logits.shape(), probs.shape()))
            throw new IllegalArgumentException("cross_entropy: soft targets of shape " + Shapes.format(probs.shape())
                    + " for logits of shape " + Shapes.format(logits.shape()));
        Tensor perRow = probs.mul(logits.logSoftmax(-1)).sum(-1).neg();
        return reduce(perRow, reduction);
    }

    /**
     * {@code F.binary_cross_entropy_with_logits}: {@code max(x,0) - x t + log(1 + exp(-|x|))}, with
     * gradient {@code sigmoid(x) - t} (and {@code -x} for the target).
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target, Reduction reduction) {
        if (!Arrays.equals(logits.shape(), target.shape()))
            throw new IllegalArgumentException("binary_cross_entropy_with_logits: target of shape " + Shapes.format(target.shape())
                    + " for logits of shape " + Shapes.format(logits.shape()));
        Tensor t = target.to(logits.dtype());
        Tensor elementwise;
        try (var ignored = NoGrad.enter()) {
            Tensor x = logits.detach();
            elementwise = x.relu().sub(x.mul(t.detach())).add(x.abs().neg().exp().add(1).log());
        }
        if (Node.needsGrad(logits, t)) Node.record(elementwise, new BceBackward(logits, t));
        return reduce(elementwise, reduction);
    }

    private static final class BceBackward extends Node {
        private Tensor x, t;

        BceBackward(Tensor x, Tensor t) {
            super(x, t);
            this.x = x.detach();
            this.t = t.detach();
        }

        @Override
        public String name() {
            return "binary_cross_entropy_with_logits_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.mul(x.sigmoid().sub(t)), g.mul(x).neg()};
        }

        @Override
        protected void releaseSaved() {
            x = t = null;
        }
    }

    /** {@code F.mse_loss}: mean (or sum) of squared differences. */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        if (!Arrays.equals(input.shape(), target.shape()))
            throw new IllegalArgumentException("mse_loss: target of shape " + Shapes.format(target.shape())
                    + " for input of shape " + Shapes.format(input.shape()));
        return reduce(input.sub(target).square(), reduction);
    }

    static Tensor reduce(Tensor values, Reduction reduction) {
        return switch (reduction) {
            case NONE -> values;
            case SUM -> values.sum();
            case MEAN -> values.mean();
        };
    }
}
