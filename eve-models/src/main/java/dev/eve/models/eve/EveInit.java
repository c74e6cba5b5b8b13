package dev.eve.models.eve;

import dev.eve.core.nn.Embedding;
import dev.eve.core.nn.Init;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * EVE's weight initialisation for training from scratch: linear weights N(0, 0.02) truncated at
 * +-0.02 (the original's trunc_normal_ wrapper passes a = -std, b = std), zero biases, unit layer
 * norms, word embeddings N(0, 0.02).
 */
public final class EveInit {

    public static final double STD = 0.02;

    private EveInit() {}

    /** The original's {@code trunc_normal_(t, std=0.02)}, truncated at one standard deviation. */
    public static Tensor truncNormal(Tensor t, Generator gen) {
        return Init.truncNormal(t, 0, STD, -STD, STD, gen);
    }

    /** Applies the encoder's {@code _init_weights} to every Linear and LayerNorm below {@code root}. */
    public static void initLinearsAndNorms(Module root, Generator gen) {
        for (Module m : root.namedModules().values()) {
            if (m instanceof Linear l) {
                truncNormal(l.weight(), gen);
                if (l.bias() != null) Init.zeros(l.bias());
            } else if (m instanceof LayerNorm n) {
                if (n.parameter("weight") != null) Init.constant(n.parameter("weight"), 1.0);
                if (n.parameter("bias") != null) Init.zeros(n.parameter("bias"));
            }
        }
    }

    /** BERT-style init of the original's {@code init_weights}: N(0, 0.02) weights, zero biases. */
    public static void bertInit(Module root, Generator gen) {
        for (Module m : root.namedModules().values()) {
            if (m instanceof Linear l) {
                Init.normal(l.weight(), 0, STD, gen);
                if (l.bias() != null) Init.zeros(l.bias());
            } else if (m instanceof Embedding e) {
                Init.normal(e.weight(), 0, STD, gen);
            } else if (m instanceof LayerNorm n) {
                if (n.parameter("weight") != null) Init.constant(n.parameter("weight"), 1.0);
                if (n.parameter("bias") != null) Init.zeros(n.parameter("bias"));
            }
        }
    }
}
