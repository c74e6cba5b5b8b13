package dev.eve.models.eve;

import dev.eve.core.nn.Embedding;
import dev.eve.core.nn.Init;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * EVE's weight initialisation for training from scratch: linear weights N(0, std) truncated at
 * +-std (the original's trunc_normal_ wrapper passes a = -std, b = std), zero biases, unit layer
 * norms, word embeddings N(0, std). The original's std is 0.02 ({@code initializer_range} in the
 * model config); a narrow model trained briefly wants a larger one (see the demo's config).
 */
public final class EveInit {

    private EveInit() {}

    /** The original's {@code trunc_normal_(t, std=std)}, truncated at one standard deviation. */
    public static Tensor truncNormal(Tensor t, double std, Generator gen) {
        return Init.truncNormal(t, 0, std, -std, std, gen);
    }

    /** Applies the encoder's {@code _init_weights} to every Linear and LayerNorm below {@code root}. */
    public static void initLinearsAndNorms(Module root, double std, Generator gen) {
        for (Module m : root.namedModules().values()) {
            if (m instanceof Linear l) {
                truncNormal(l.weight(), std, gen);
                if (l.bias() != null) Init.zeros(l.bias());
            } else if (m instanceof LayerNorm n) {
                if (n.parameter("weight") != null) Init.constant(n.parameter("weight"), 1.0);
                if (n.parameter("bias") != null) Init.zeros(n.parameter("bias"));
            }
        }
    }

    /** BERT-style init of the original's {@code init_weights}: N(0, std) weights, zero biases. */
    public static void bertInit(Module root, double std, Generator gen) {
        for (Module m : root.namedModules().values()) {
            if (m instanceof Linear l) {
                Init.normal(l.weight(), 0, std, gen);
                if (l.bias() != null) Init.zeros(l.bias());
            } else if (m instanceof Embedding e) {
                Init.normal(e.weight(), 0, std, gen);
            } else if (m instanceof LayerNorm n) {
                if (n.parameter("weight") != null) Init.constant(n.parameter("weight"), 1.0);
                if (n.parameter("bias") != null) Init.zeros(n.parameter("bias"));
            }
        }
    }
}
