package dev.eve.core.backend;

import dev.eve.core.tensor.DType;

/** Reductions over one or more dims. */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, PROD,
    /** True if any element is non-zero (BOOL result). */
    ANY,
    /** True if all elements are non-zero (BOOL result). */
    ALL;

    /** The dtype of the reduction of an {@code in} tensor, on every backend. */
    public DType resultType(DType in) {
        return switch (this) {
            case ANY, ALL -> DType.BOOL;
            case MEAN -> DType.F32;
            default -> in == DType.BOOL ? DType.I64 : in;
        };
    }
}
