package dev.eve.models.eve.moe;

import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/** The router: a bias-free linear map {@code wg} from a token to one logit per expert (kept in F32). */
public final class TopKGate extends Module {

    private final Linear wg;

    public TopKGate(int dim, int experts, Generator gen) {
        wg = registerModule("wg", new Linear(dim, experts, false, gen));
    }

    public Linear wg() {
        return wg;
    }

    /** Router logits [S, E] for tokens [S, H]. */
    public Tensor logits(Tensor tokens) {
        return wg.forward(tokens);
    }
}
