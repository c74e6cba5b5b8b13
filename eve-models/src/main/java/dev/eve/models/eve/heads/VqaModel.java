package dev.eve.models.eve.heads;

import dev.eve.core.nn.Activation;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.Sequential;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.eve.EveInit;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.MultiwayTransformer;

/**
 * VQA as classification over the answer vocabulary ({@code model_vqa_beit.BEiT}): the text-CLS token
 * of the joint sequence through Linear(H, 2H) -> LayerNorm(2H, eps 1e-5) -> GELU -> Linear(2H, answers).
 */
public final class VqaModel extends Module {

    private final EveConfig config;
    private final MultiwayTransformer backbone;
    private final Sequential output;

    public VqaModel(EveConfig c, Generator gen) {
        this.config = c;
        int h = c.hiddenSize();
        backbone = registerModule("backbone", new MultiwayTransformer(c, gen));
        output = registerModule("output", new Sequential()
                .add(new Linear(h, 2 * h, true, gen))
                .add(new LayerNorm(2 * h, 1e-5))
                .add(new Activation(Activation.Kind.GELU))
                .add(new Linear(2 * h, c.vqaVocab(), true, gen)));
        EveInit.bertInit(output, c.initializerRange(), gen);
    }

    public MultiwayTransformer backbone() {
        return backbone;
    }

    /** Answer logits [B, answers]. */
    public Tensor logits(Tensor image, Tensor ids, Tensor atts) {
        return logitsFrom(backbone.forward(image, ids, atts, Mode.VL));
    }

    /** Answer logits from a joint backbone output. */
    public Tensor logitsFrom(Tensor vlOut) {
        return output.forward(vlOut.select(1, config.numVisionTokens()));
    }
}
