package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

/** Dropout with probability p in training mode; identity in eval mode. */
public class Dropout extends Module implements TensorModule {

    private final double p;

    public Dropout(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        this.p = p;
    }

    public double p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.dropout(x, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
