package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

/** Applies its children in order; they are named 0, 1, 2, ... as in {@code nn.Sequential}. */
public class Sequential extends Module implements TensorModule {

    private final java.util.List<TensorModule> steps = new java.util.ArrayList<>();

    public <M extends Module & TensorModule> Sequential add(M module) {
        registerModule(Integer.toString(steps.size()), module);
        steps.add(module);
        return this;
    }

    public int size() {
        return steps.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x;
        for (TensorModule step : steps) y = step.forward(y);
        return y;
    }
}
