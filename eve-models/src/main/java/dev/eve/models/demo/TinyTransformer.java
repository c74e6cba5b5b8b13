package dev.eve.models.demo;

import dev.eve.core.nn.Embedding;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.ModuleList;
import dev.eve.core.nn.TransformerEncoderLayer;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/** Token and position embeddings, a stack of pre-norm encoder layers and a per-position classifier. */
public final class TinyTransformer extends Module {

    private final Embedding tokens, positions;
    private final ModuleList<TransformerEncoderLayer> layers = new ModuleList<>();
    private final LayerNorm norm;
    private final Linear head;

    public TinyTransformer(int vocab, int maxLength, int dim, int depth, int heads, Generator gen) {
        tokens = registerModule("tokens", new Embedding(vocab, dim, -1, gen));
        positions = registerModule("positions", new Embedding(maxLength, dim, -1, gen));
        registerModule("layers", layers);
        for (int i = 0; i < depth; i++) layers.add(new TransformerEncoderLayer(dim, heads, 4 * dim, "gelu", 0.0));
        norm = registerModule("norm", new LayerNorm(dim));
        head = registerModule("head", new Linear(dim, vocab, true, gen));
    }

    /** Logits [B, L, vocab] for token ids [B, L]. */
    public Tensor forward(Tensor ids) {
        int length = ids.size(1);
        Tensor x = tokens.forward(ids).add(positions.forward(Tensor.arange(length)));
        for (TransformerEncoderLayer layer : layers) x = layer.forward(x, null);
        return head.forward(norm.forward(x));
    }
}
