package dev.eve.models.eve.heads;

import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.ModuleList;
import dev.eve.core.nn.TransformerEncoderLayer;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.eve.EveInit;

/**
 * MAE's light pixel decoder: the encoder's vision tokens (CLS + visible patches) projected to the
 * decoder width, a shared learned mask token put at every hidden patch, positions added, a few
 * pre-norm transformer blocks, then a linear map to the p*p*3 pixel values of each patch. It sees
 * only vision tokens: the text has already been mixed into them by the encoder's shared attention.
 */
public final class MimDecoder extends Module {

    private final Linear embed, pred;
    private final ModuleList<TransformerEncoderLayer> blocks = new ModuleList<>();
    private final LayerNorm norm;
    private final int patches;

    /**
     * @param hidden  encoder width
     * @param patches patches per image (P)
     * @param pixels  values per patch (p*p*3)
     * @param initStd std of the truncated-normal init (the encoder's initializer_range)
     */
    public MimDecoder(int hidden, int patches, int pixels, int depth, int width, int heads, double initStd, Generator gen) {
        this.patches = patches;
        embed = registerModule("embed", new Linear(hidden, width, true, gen));
        EveInit.truncNormal(registerParameter("mask_token", Tensor.zeros(width)), initStd, gen);
        EveInit.truncNormal(registerParameter("pos_embed", Tensor.zeros(patches + 1, width)), initStd, gen);
        registerModule("blocks", blocks);
        try (AutoCloseable ignored = Generator.use(gen == null ? new Generator(0) : gen)) {
            for (int i = 0; i < depth; i++) blocks.add(new TransformerEncoderLayer(width, heads, 4 * width, "gelu", 0.0));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        norm = registerModule("norm", new LayerNorm(width, 1e-6));
        pred = registerModule("pred", new Linear(width, pixels, true, gen));
        if (gen != null) EveInit.initLinearsAndNorms(this, initStd, gen);
    }

    /**
     * @param vision  [B, 1 + K, H]: the encoder output of CLS and the K visible patches
     * @param restore [B, P] I64: row of each grid position in cat(visible, masked) (see the image mask)
     * @return predicted pixels [B, P, p*p*3] for every patch, in grid order
     */
    public Tensor forward(Tensor vision, Tensor restore) {
        int b = vision.size(0), k = vision.size(1) - 1;
        if (restore.dim() != 2 || restore.size(0) != b || restore.size(1) != patches || k > patches)
            throw new IllegalArgumentException("mim decoder: " + (k + 1) + " vision tokens and restore index "
                    + Shapes.format(restore.shape()) + " for " + patches + " patches");
        Tensor x = embed.forward(vision);
        int w = x.size(2);
        Tensor masks = parameter("mask_token").reshape(1, 1, w).expand(b, patches - k, w);
        Tensor all = Tensor.cat(1, x.slice(1, 1, k + 1), masks);
        Tensor grid = all.gather(1, restore.unsqueeze(-1).expand(b, patches, w));
        x = Tensor.cat(1, x.slice(1, 0, 1), grid).add(parameter("pos_embed"));
        for (TransformerEncoderLayer block : blocks) x = block.forward(x, null);
        return pred.forward(norm.forward(x)).slice(1, 1, patches + 1);
    }
}
