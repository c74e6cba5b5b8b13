package dev.eve.core.backend;

/** Reductions over one or more dims. */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, PROD,
    /** True if any element is non-zero (BOOL result). */
    ANY,
    /** True if all elements are non-zero (BOOL result). */
    ALL
}
