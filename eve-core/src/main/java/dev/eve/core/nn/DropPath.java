package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

/** Stochastic depth: drops whole samples of a residual branch with probability p in training. */
public class DropPath extends Module implements TensorModule {

    private final double p;

    public DropPath(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("drop path probability must be in [0, 1], got " + p);
        this.p = p;
    }

    public double p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.dropPath(x, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
