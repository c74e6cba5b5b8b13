package dev.eve.models.eve.moe;

import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Generator;
import dev.eve.models.config.MoeParams;

/** DeepSpeed's {@code MoE} wrapper (the layer's {@code mlp_moe}); its only child is {@code moe}. */
public final class MoeBlock extends Module {

    private final MoeLayer moe;

    public MoeBlock(int dim, int hidden, String activation, MoeParams params, int numVisionTokens, double initStd, Generator gen) {
        moe = registerModule("moe", new MoeLayer(dim, hidden, activation, params, numVisionTokens, initStd, gen));
    }

    public MoeLayer moe() {
        return moe;
    }
}
