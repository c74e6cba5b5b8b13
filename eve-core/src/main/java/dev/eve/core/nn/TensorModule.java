package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

/** A module whose forward maps one tensor to one tensor (so it composes in {@link Sequential}). */
public interface TensorModule {
    Tensor forward(Tensor x);
}
