package dev.eve.core.optim;

import dev.eve.core.tensor.Tensor;

import java.util.List;

/**
 * Parameters that share optimizer settings. The learning rate a group uses is
 * {@code base lr * lrMult} (EVE gives its task heads a larger multiplier); {@code weightDecay} is
 * usually 0 for biases and norms.
 */
public record ParamGroup(String name, List<Tensor> params, double weightDecay, double lrMult) {

    public ParamGroup {
        params = List.copyOf(params);
        if (lrMult < 0) throw new IllegalArgumentException("lr multiplier of group '" + name + "' must be >= 0, got " + lrMult);
        if (weightDecay < 0) throw new IllegalArgumentException("weight decay of group '" + name + "' must be >= 0, got " + weightDecay);
    }

    public ParamGroup(String name, List<Tensor> params, double weightDecay) {
        this(name, params, weightDecay, 1.0);
    }
}
