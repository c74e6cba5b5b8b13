package dev.eve.models.eve.heads;

import dev.eve.core.nn.Activation;
import dev.eve.core.nn.Dropout;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.MultiheadAttention;
import dev.eve.core.nn.Sequential;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.eve.EveInit;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.MultiwayTransformer;

/**
 * NLVR2 ({@code model_nlvr_beit.BEiT}): one statement, two images. With {@code biattn} the two joint
 * sequences attend to each other (two MultiheadAttention, a fused projection, AttentionPool) before
 * the classifier; otherwise the two text-CLS tokens are concatenated into an MLP.
 */
public final class NlvrModel extends Module {

    /** Everything the biattn head computes, for inspection and tests. */
    public record Outputs(Tensor logits, Tensor leftOut, Tensor rightOut, Tensor l2rAttn, Tensor r2lAttn,
                          Tensor leftPool, Tensor rightPool) {}

    private final EveConfig config;
    private final MultiwayTransformer backbone;
    private final boolean biattn;
    private MultiheadAttention attn1, attn2;
    private Sequential fc, output;
    private AttentionPool attnPool;
    private Linear nlvr2Output;

    public NlvrModel(EveConfig c, Generator gen) {
        this.config = c;
        this.biattn = c.biattn();
        int h = c.hiddenSize();
        backbone = registerModule("backbone", new MultiwayTransformer(c, gen));
        if (biattn) {
            attn1 = registerModule("attn1", new MultiheadAttention(h, c.numHeads(), 0.1, false, gen));
            attn2 = registerModule("attn2", new MultiheadAttention(h, c.numHeads(), 0.1, false, gen));
            fc = registerModule("fc", new Sequential().add(new Linear(2 * h, h, true, gen))
                    .add(new Activation(Activation.Kind.RELU)).add(new Dropout(0.1)));
            attnPool = registerModule("attn_pool", new AttentionPool(h, 0.1, gen));
            nlvr2Output = registerModule("nlvr2_output", new Linear(2 * h, 2, true, gen));
        } else {
            output = registerModule("output", new Sequential()
                    .add(new Linear(2 * h, 2 * h, true, gen))
                    .add(new LayerNorm(2 * h, 1e-5))
                    .add(new Activation(Activation.Kind.GELU))
                    .add(new Linear(2 * h, 2, true, gen)));
            EveInit.bertInit(output, c.initializerRange(), gen);
        }
    }

    public MultiwayTransformer backbone() {
        return backbone;
    }

    /** Logits [B, 2] for image pairs (image1, image2 each [B, 3, R, R]) and one statement each. */
    public Tensor logits(Tensor image1, Tensor image2, Tensor ids, Tensor atts) {
        return forward(image1, image2, ids, atts).logits();
    }

    public Outputs forward(Tensor image1, Tensor image2, Tensor ids, Tensor atts) {
        var left = backbone.forwardDetailed(image1, ids, atts, Mode.VL, false);
        var right = backbone.forwardDetailed(image2, ids, atts, Mode.VL, false);
        if (!biattn) {
            int cls = config.numVisionTokens();
            Tensor joined = Tensor.cat(1, left.hidden().select(1, cls), right.hidden().select(1, cls));
            return new Outputs(output.forward(joined), left.hidden(), right.hidden(), null, null, null, null);
        }
        Tensor leftPad = left.mask().eq(0), rightPad = right.mask().eq(0);
        Tensor l = left.hidden().transpose(0, 1), r = right.hidden().transpose(0, 1);   // sequence-first
        Tensor l2r = attn1.forward(l, r, r, rightPad);
        Tensor r2l = attn2.forward(r, l, l, leftPad);
        Tensor leftFused = fc.forward(Tensor.cat(-1, l2r, l)).transpose(0, 1);
        Tensor rightFused = fc.forward(Tensor.cat(-1, r2l, r)).transpose(0, 1);
        Tensor leftPool = attnPool.forward(leftFused, leftPad), rightPool = attnPool.forward(rightFused, rightPad);
        Tensor logits = nlvr2Output.forward(Tensor.cat(-1, leftPool, rightPool));
        return new Outputs(logits, left.hidden(), right.hidden(), l2r.transpose(0, 1), r2l.transpose(0, 1), leftPool, rightPool);
    }
}
