package dev.eve.core.backend;

import dev.eve.core.tensor.DType;

/** Elementwise functions of two tensors (after broadcasting). */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN,
    /** Floor remainder with the sign of the divisor (Python's %, torch.remainder). */
    REMAINDER,
    EQ, NE, LT, LE, GT, GE,
    AND, OR;

    /** True for comparisons and logical ops, which yield BOOL. */
    public boolean predicate() {
        return ordinal() >= EQ.ordinal();
    }

    /**
     * The dtype of {@code op(a, b)} on every backend: BOOL for predicates, else {@link DType#promote},
     * with F32 for a division of integers and I64 for arithmetic on BOOL (but for MAX and MIN).
     */
    public DType resultType(DType a, DType b) {
        if (predicate()) return DType.BOOL;
        DType t = DType.promote(a, b);
        if (this == DIV && !t.isFloating()) return DType.F32;
        if (t == DType.BOOL && this != MAX && this != MIN) return DType.I64;
        return t;
    }

    /**
     * The dtype of {@code op(a, s)} for a scalar {@code s}: BOOL for predicates; F32 for a floating
     * {@code a}, a division or a non-integral scalar; else {@code a}'s integer type (BOOL counted as I64).
     */
    public DType scalarResultType(DType a, double s) {
        boolean integralScalar = s == Math.rint(s) && !Double.isInfinite(s);
        if (predicate()) return DType.BOOL;
        if (a.isFloating() || this == DIV || !integralScalar) return DType.F32;
        return a == DType.BOOL ? DType.I64 : a;
    }
}
