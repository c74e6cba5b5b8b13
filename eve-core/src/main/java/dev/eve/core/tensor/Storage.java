package dev.eve.core.tensor;

/**
 * A flat buffer of elements owned by a backend. Tensors are views over a storage; several tensors
 * may share one.
 */
public interface Storage {

    DType dtype();

    /** Number of elements. */
    int size();

    Device device();
}
