package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;

/**
 * Heap storage of the CPU backend: a {@code float[]} for F32, {@code long[]} for I64, {@code int[]}
 * for I32 and {@code byte[]} for BOOL. Kernels take the array they need directly; the element
 * accessors serve the generic (non-F32) paths.
 */
public final class CpuStorage implements Storage {

    private final DType dtype;
    private final float[] f32;
    private final long[] i64;
    private final int[] i32;
    private final byte[] bool;

    private CpuStorage(DType dtype, float[] f32, long[] i64, int[] i32, byte[] bool) {
        this.dtype = dtype;
        this.f32 = f32;
        this.i64 = i64;
        this.i32 = i32;
        this.bool = bool;
    }

    static CpuStorage allocate(DType dtype, int numel) {
        return switch (dtype) {
            case F32 -> new CpuStorage(dtype, new float[numel], null, null, null);
            case I64 -> new CpuStorage(dtype, null, new long[numel], null, null);
            case I32 -> new CpuStorage(dtype, null, null, new int[numel], null);
            case BOOL -> new CpuStorage(dtype, null, null, null, new byte[numel]);
            case BF16, F16 -> throw new UnsupportedOperationException(
                    "the CPU backend computes in F32: convert " + dtype + " tensors with to(DType.F32) (checkpoint loaders do this)");
        };
    }

    /** Wraps an existing array without copying. */
    public static CpuStorage wrap(float[] data) {
        return new CpuStorage(DType.F32, data, null, null, null);
    }

    /** Wraps an existing array without copying. */
    public static CpuStorage wrap(long[] data) {
        return new CpuStorage(DType.I64, null, data, null, null);
    }

    /** Wraps an existing array without copying. */
    public static CpuStorage wrap(int[] data) {
        return new CpuStorage(DType.I32, null, null, data, null);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int size() {
        return switch (dtype) {
            case F32 -> f32.length;
            case I64 -> i64.length;
            case I32 -> i32.length;
            default -> bool.length;
        };
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    public float[] floats() {
        if (f32 == null) throw new IllegalStateException("expected an F32 storage, got " + dtype);
        return f32;
    }

    public long[] longs() {
        if (i64 == null) throw new IllegalStateException("expected an I64 storage, got " + dtype);
        return i64;
    }

    public int[] ints() {
        if (i32 == null) throw new IllegalStateException("expected an I32 storage, got " + dtype);
        return i32;
    }

    public byte[] bools() {
        if (bool == null) throw new IllegalStateException("expected a BOOL storage, got " + dtype);
        return bool;
    }

    double getDouble(int i) {
        return switch (dtype) {
            case F32 -> f32[i];
            case I64 -> i64[i];
            case I32 -> i32[i];
            default -> bool[i];
        };
    }

    long getLong(int i) {
        return switch (dtype) {
            case F32 -> (long) f32[i];
            case I64 -> i64[i];
            case I32 -> i32[i];
            default -> bool[i];
        };
    }

    void setDouble(int i, double v) {
        switch (dtype) {
            case F32 -> f32[i] = (float) v;
            case I64 -> i64[i] = (long) v;
            case I32 -> i32[i] = (int) v;
            default -> bool[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    void setLong(int i, long v) {
        switch (dtype) {
            case F32 -> f32[i] = v;
            case I64 -> i64[i] = v;
            case I32 -> i32[i] = (int) v;
            default -> bool[i] = (byte) (v != 0 ? 1 : 0);
        }
    }
}
