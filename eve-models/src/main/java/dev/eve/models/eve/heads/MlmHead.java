package dev.eve.models.eve.heads;

import dev.eve.core.nn.Activation;
import dev.eve.core.nn.F;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.ops.Reduction;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * BERT's masked-language-model head: dense -> GELU -> LayerNorm, then scores over the vocabulary
 * with the word-embedding matrix (tied, so the head adds only H^2 + 3H + V parameters) plus a bias.
 * The scoring is the fused masked cross-entropy: the [tokens, V] logits never exist.
 */
public final class MlmHead extends Module {

    private final Linear dense;
    private final Activation act = new Activation(Activation.Kind.GELU);
    private final LayerNorm layerNorm;

    public MlmHead(int hidden, int vocab, Generator gen) {
        dense = registerModule("dense", new Linear(hidden, hidden, true, gen));
        layerNorm = registerModule("layer_norm", new LayerNorm(hidden, 1e-5));
        registerParameter("bias", Tensor.zeros(vocab));
    }

    /** The transformed hidden states [N, H] of the predicted tokens. */
    public Tensor transform(Tensor hidden) {
        return layerNorm.forward(act.forward(dense.forward(hidden)));
    }

    /** Mean cross-entropy of the tokens {@code hidden} [N, H] against {@code targets} [N], scored with {@code wordEmbeddings} [V, H]. */
    public Tensor loss(Tensor hidden, Tensor wordEmbeddings, Tensor targets) {
        return F.maskedCrossEntropy(transform(hidden), wordEmbeddings, parameter("bias"), targets, -100, Reduction.MEAN);
    }

    /** Full logits [N, V] (for inspection and small vocabularies; training uses {@link #loss}). */
    public Tensor logits(Tensor hidden, Tensor wordEmbeddings) {
        return F.linear(transform(hidden), wordEmbeddings, parameter("bias"));
    }
}
