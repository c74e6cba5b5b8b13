package dev.eve.core.tensor;

/**
 * Element types. F32 is the working type everywhere; I64 and I32 hold ids and indices; BOOL holds the
 * results of comparisons and masks; BF16 and F16 exist as storage types of the GPU backend (F32
 * accumulation) and as file types of checkpoints, which the CPU backend widens to F32 on load.
 */
public enum DType {
    F32(4, true, "F32"),
    I64(8, false, "I64"),
    I32(4, false, "I32"),
    BOOL(1, false, "BOOL"),
    BF16(2, true, "BF16"),
    F16(2, true, "F16");

    private final int byteSize;
    private final boolean floating;
    private final String safetensorsName;

    DType(int byteSize, boolean floating, String safetensorsName) {
        this.byteSize = byteSize;
        this.floating = floating;
        this.safetensorsName = safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloating() {
        return floating;
    }

    public boolean isInteger() {
        return this == I64 || this == I32;
    }

    /** The name of this type in safetensors headers. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /**
     * The result type of a binary arithmetic op, as in PyTorch: any floating operand makes F32
     * (the half types compute in F32), otherwise the widest integer, BOOL only with BOOL.
     */
    public static DType promote(DType a, DType b) {
        if (a == b) return a.isFloating() ? F32 : a;
        if (a.isFloating() || b.isFloating()) return F32;
        if (a == I64 || b == I64) return I64;
        if (a == I32 || b == I32) return I32;
        return BOOL;
    }
}
