package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

/**
 * A pre-norm transformer encoder layer on batch-first [B, N, E] inputs:
 * {@code x + attn(norm1(x)); x + mlp(norm2(x))}, with the fused attention kernel and an optional
 * key-padding mask (true = padding, as in PyTorch).
 */
public class TransformerEncoderLayer extends Module {

    private final LayerNorm norm1, norm2;
    private final MultiheadAttention attn;
    private final Mlp mlp;
    private final Dropout drop;

    public TransformerEncoderLayer(int dim, int heads, int mlpDim, String activation, double dropout) {
        norm1 = registerModule("norm1", new LayerNorm(dim, 1e-5));
        attn = registerModule("attn", new MultiheadAttention(dim, heads, 0.0, true, dev.eve.core.tensor.Generator.current()));
        norm2 = registerModule("norm2", new LayerNorm(dim, 1e-5));
        mlp = registerModule("mlp", new Mlp(dim, mlpDim, dim, activation, dropout));
        drop = registerModule("drop", new Dropout(dropout));
    }

    public Tensor forward(Tensor x, Tensor keyPaddingMask) {
        Tensor h = norm1.forward(x);
        x = x.add(drop.forward(attn.forward(h, h, h, keyPaddingMask)));
        return x.add(mlp.forward(norm2.forward(x)));
    }
}
