package dev.eve.core.nn;

import dev.eve.core.ops.Attention;
import dev.eve.core.ops.Convolution;
import dev.eve.core.ops.Indexing;
import dev.eve.core.ops.Losses;
import dev.eve.core.ops.Normalization;
import dev.eve.core.ops.Reduction;
import dev.eve.core.ops.Stochastic;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/** Functional forms of the layers and losses, like {@code torch.nn.functional}. */
public final class F {

    private F() {}

    /** {@code x @ weight^T + bias}; weight is [out, in], bias [out] or null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (x.size(-1) != weight.size(1))
            throw new IllegalArgumentException("linear: input of shape " + java.util.Arrays.toString(x.shape())
                    + " does not match weight [out=" + weight.size(0) + ", in=" + weight.size(1) + "]");
        Tensor y = x.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    /** Layer norm over the last dim (biased variance). */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return Normalization.layerNorm(x, 1, weight, bias, eps);
    }

    /** Layer norm over the last {@code dims} dims. */
    public static Tensor layerNorm(Tensor x, int dims, Tensor weight, Tensor bias, double eps) {
        return Normalization.layerNorm(x, dims, weight, bias, eps);
    }

    public static Tensor softmax(Tensor x, int dim) {
        return x.softmax(dim);
    }

    public static Tensor logSoftmax(Tensor x, int dim) {
        return x.logSoftmax(dim);
    }

    /** Rows of {@code weight} for integer ids; {@code paddingIdx < 0} means none. */
    public static Tensor embedding(Tensor ids, Tensor weight, long paddingIdx) {
        return Indexing.embedding(weight, ids, paddingIdx);
    }

    public static Tensor embedding(Tensor ids, Tensor weight) {
        return Indexing.embedding(weight, ids, -1);
    }

    public static Tensor dropout(Tensor x, double p, boolean training) {
        return Stochastic.dropout(x, p, training, Generator.current());
    }

    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        return Stochastic.dropout(x, p, training, gen);
    }

    public static Tensor dropPath(Tensor x, double p, boolean training) {
        return Stochastic.dropPath(x, p, training, Generator.current());
    }

    public static Tensor gelu(Tensor x) {
        return x.gelu();
    }

    public static Tensor geluTanh(Tensor x) {
        return x.geluTanh();
    }

    public static Tensor quickGelu(Tensor x) {
        return x.quickGelu();
    }

    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    /** {@code F.conv2d} with groups = 1. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation) {
        return Convolution.conv2d(x, weight, bias, stride, padding, dilation);
    }

    /** {@code F.conv2d} with a square stride, no padding, no dilation (patch embeddings). */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride) {
        return Convolution.conv2d(x, weight, bias, new int[] {stride, stride}, new int[] {0, 0}, new int[] {1, 1});
    }

    /** Mean cross-entropy against class ids (ignore_index -100) or against soft targets (F32 of the logits' shape). */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return Losses.crossEntropy(logits, target, -100, 0, Reduction.MEAN);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex, double labelSmoothing, Reduction reduction) {
        return Losses.crossEntropy(logits, target, ignoreIndex, labelSmoothing, reduction);
    }

    /**
     * Fused masked-prediction loss: cross-entropy of {@code softmax(hidden . weight^T + bias)} against
     * {@code targets} over the positions whose target is not {@code ignoreIndex}, without materialising
     * the [rows, V] logits. See {@link Losses#maskedCrossEntropy}.
     */
    public static Tensor maskedCrossEntropy(Tensor hidden, Tensor weight, Tensor bias, Tensor targets,
                                            long ignoreIndex, Reduction reduction) {
        return Losses.maskedCrossEntropy(hidden, weight, bias, targets, ignoreIndex, reduction);
    }

    /** {@link #maskedCrossEntropy} with ignore_index -100 and the mean over the valid positions. */
    public static Tensor maskedCrossEntropy(Tensor hidden, Tensor weight, Tensor bias, Tensor targets) {
        return Losses.maskedCrossEntropy(hidden, weight, bias, targets, -100, Reduction.MEAN);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target) {
        return Losses.bceWithLogits(logits, target, Reduction.MEAN);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target, Reduction reduction) {
        return Losses.bceWithLogits(logits, target, reduction);
    }

    public static Tensor mseLoss(Tensor input, Tensor target) {
        return Losses.mseLoss(input, target, Reduction.MEAN);
    }

    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        return Losses.mseLoss(input, target, reduction);
    }

    /** {@code x / max(||x||_2, eps)} along {@code dim}. */
    public static Tensor normalize(Tensor x, int dim, double eps) {
        return Normalization.normalize(x, dim, eps);
    }

    public static Tensor normalize(Tensor x, int dim) {
        return Normalization.normalize(x, dim, 1e-12);
    }

    /**
     * Fused attention: q [B,H,Nq,D], k/v [B,H,Nk,D], keyMask [B,Nk] (non-zero = attend) or null;
     * scale is usually {@code D^-0.5}.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor keyMask, double scale) {
        return Attention.scaledDotProduct(q, k, v, keyMask, scale);
    }

    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor keyMask) {
        return Attention.scaledDotProduct(q, k, v, keyMask, 1 / Math.sqrt(q.size(-1)));
    }
}
