package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

/** The transformer feed-forward block: fc1 -> activation -> dropout -> fc2 -> dropout. */
public class Mlp extends Module implements TensorModule {

    private final Linear fc1, fc2;
    private final Activation act;
    private final Dropout drop;

    public Mlp(int in, int hidden, int out, String activation, double dropout) {
        this(in, hidden, out, activation, dropout, dev.eve.core.tensor.Generator.current());
    }

    /** With the generator that initialises both layers (null: leave them at zero). */
    public Mlp(int in, int hidden, int out, String activation, double dropout, dev.eve.core.tensor.Generator gen) {
        fc1 = registerModule("fc1", new Linear(in, hidden, true, gen));
        act = registerModule("act", Activation.of(activation));
        fc2 = registerModule("fc2", new Linear(hidden, out, true, gen));
        drop = registerModule("drop", new Dropout(dropout));
    }

    public Linear fc1() {
        return fc1;
    }

    public Linear fc2() {
        return fc2;
    }

    @Override
    public Tensor forward(Tensor x) {
        return drop.forward(fc2.forward(drop.forward(act.forward(fc1.forward(x)))));
    }
}
