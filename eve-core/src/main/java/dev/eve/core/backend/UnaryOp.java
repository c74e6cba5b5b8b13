package dev.eve.core.backend;

import dev.eve.core.tensor.DType;

/** Elementwise functions of one tensor that backends implement as kernels (with their derivatives). */
public enum UnaryOp {
    NEG, ABS, SIGN, SQUARE, RECIPROCAL,
    EXP, LOG, SQRT, RSQRT,
    TANH, SIGMOID, RELU,
    /** 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default GELU. */
    GELU_ERF,
    /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    GELU_TANH,
    /** x sigmoid(1.702 x), as in CLIP and EVE's "quick_gelu". */
    QUICK_GELU,
    ERF, SIN, COS, FLOOR, CEIL, ROUND,
    /** Logical not: 1 where the input is zero (BOOL result). */
    NOT,
    /** 1 where the input is finite (BOOL result). */
    IS_FINITE;

    /** True for ops whose derivative is zero almost everywhere or undefined (not differentiable). */
    public boolean piecewiseConstant() {
        return this == SIGN || this == FLOOR || this == CEIL || this == ROUND || this == NOT || this == IS_FINITE;
    }

    /** True for ops that yield BOOL. */
    public boolean predicate() {
        return this == NOT || this == IS_FINITE;
    }

    /**
     * The dtype of {@code op(x)} for an input of dtype {@code in}, on every backend: BOOL for predicates;
     * the input's integer type for the ops that keep integers integers (BOOL counted as I64); else F32.
     */
    public DType resultType(DType in) {
        if (predicate()) return DType.BOOL;
        if (in.isFloating() || !integerClosed()) return DType.F32;
        return in == DType.BOOL ? DType.I64 : in;
    }

    private boolean integerClosed() {
        return this == NEG || this == ABS || this == SIGN || this == SQUARE || this == RELU || this == FLOOR || this == CEIL
                || this == ROUND;
    }
}
