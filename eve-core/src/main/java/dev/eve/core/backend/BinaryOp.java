package dev.eve.core.backend;

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
}
