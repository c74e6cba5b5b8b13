package dev.eve.models.eve.moe;

import dev.eve.core.nn.Mlp;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.ModuleList;

/** The expert MLPs of an MoE layer, named {@code experts.0 .. experts.E-1} as in DeepSpeed's Experts. */
public final class Experts extends Module {

    private final ModuleList<Mlp> experts = new ModuleList<>();

    public Experts(int count, int dim, int hidden, String activation, dev.eve.core.tensor.Generator gen) {
        registerModule("experts", experts);
        for (int i = 0; i < count; i++) experts.add(new Mlp(dim, hidden, dim, activation, 0.0, gen));
    }

    public Mlp get(int i) {
        return experts.get(i);
    }

    public int size() {
        return experts.size();
    }
}
