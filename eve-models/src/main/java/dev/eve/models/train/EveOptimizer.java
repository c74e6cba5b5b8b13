package dev.eve.models.train;

import dev.eve.core.nn.Module;
import dev.eve.core.optim.AdamW;
import dev.eve.core.optim.ParamGroup;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The original's {@code create_optimizer}: AdamW (betas 0.9, 0.98; eps 1e-8) over four groups —
 * decay / no decay times base lr / {@code lr x lr_mult} — where "no decay" is a substring match on
 * the original's list of names and the large learning rate goes to the parameters the pre-trained
 * checkpoint did not have (the new heads).
 */
public final class EveOptimizer {

    /** The original's no-decay name fragments (matched as substrings, so norm2_vl.weight decays). */
    static final List<String> NO_DECAY = List.of("bias", "LayerNorm.bias", "LayerNorm.weight", "norm.bias", "norm.weight",
            "norm1.bias", "norm1.weight", "norm2.bias", "norm2.weight");

    private EveOptimizer() {}

    public static boolean noDecay(String name) {
        for (String nd : NO_DECAY) if (name.contains(nd)) return true;
        return false;
    }

    /**
     * @param newParams names of parameters initialised from scratch (missing from the checkpoint);
     *                  they train with {@code lr x lrMult}
     */
    public static AdamW create(Module model, double lr, double weightDecay, double lrMult, Set<String> newParams) {
        List<Tensor> decay = new ArrayList<>(), plain = new ArrayList<>(), decayNew = new ArrayList<>(), plainNew = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            boolean fresh = newParams.contains(e.getKey());
            if (noDecay(e.getKey())) (fresh ? plainNew : plain).add(e.getValue());
            else (fresh ? decayNew : decay).add(e.getValue());
        }
        return new AdamW(List.of(
                new ParamGroup("decay", decay, weightDecay, 1.0),
                new ParamGroup("no_decay", plain, 0.0, 1.0),
                new ParamGroup("decay_new", decayNew, weightDecay, lrMult),
                new ParamGroup("no_decay_new", plainNew, 0.0, lrMult)), lr, 0.9, 0.98, 1e-8);
    }
}
