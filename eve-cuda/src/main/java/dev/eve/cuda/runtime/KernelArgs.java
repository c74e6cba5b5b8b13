package dev.eve.cuda.runtime;

import java.util.Arrays;

/**
 * The parameters of one kernel launch, packed in declaration order for {@code cuLaunchKernel}: device
 * pointers ({@link #ptr}), 32- and 64-bit integers and floats. Build a fresh one per launch:
 * {@code KernelArgs.of().ptr(x).ptr(y).i32(n)}.
 */
public final class KernelArgs {

    /** Kinds of the packed values. */
    enum Kind { PTR, I32, I64, F32, BYTES }

    private Kind[] kinds = new Kind[8];
    private long[] values = new long[8];
    private byte[][] blobs;
    private int count;

    private KernelArgs() {}

    public static KernelArgs of() {
        return new KernelArgs();
    }

    /** A device pointer ({@code T*} parameter). */
    public KernelArgs ptr(long devicePointer) {
        return add(Kind.PTR, devicePointer);
    }

    /** An {@code int} parameter. */
    public KernelArgs i32(int v) {
        return add(Kind.I32, v);
    }

    /** A {@code long long} / {@code int64} parameter. */
    public KernelArgs i64(long v) {
        return add(Kind.I64, v);
    }

    /** A {@code double} parameter. */
    public KernelArgs f64(double v) {
        return add(Kind.I64, Double.doubleToRawLongBits(v));
    }

    /** A {@code float} parameter. */
    public KernelArgs f32(float v) {
        return add(Kind.F32, Float.floatToRawIntBits(v));
    }

    /**
     * A struct passed by value, given as its bytes in the device layout (little endian, the struct's
     * own padding included), e.g. from {@link java.nio.ByteBuffer} in little-endian order.
     */
    public KernelArgs struct(byte[] bytes) {
        add(Kind.BYTES, 0);
        if (blobs == null) blobs = new byte[kinds.length][];
        if (blobs.length < kinds.length) blobs = Arrays.copyOf(blobs, kinds.length);
        blobs[count - 1] = bytes.clone();
        return this;
    }

    private KernelArgs add(Kind k, long v) {
        if (count == kinds.length) {
            kinds = Arrays.copyOf(kinds, count * 2);
            values = Arrays.copyOf(values, count * 2);
            if (blobs != null) blobs = Arrays.copyOf(blobs, count * 2);
        }
        kinds[count] = k;
        values[count] = v;
        count++;
        return this;
    }

    /** Number of parameters. */
    public int size() {
        return count;
    }

    Kind kind(int i) {
        return kinds[i];
    }

    long value(int i) {
        return values[i];
    }

    byte[] bytes(int i) {
        return blobs[i];
    }

    /** Bytes the parameter occupies. */
    int byteSize(int i) {
        return switch (kinds[i]) {
            case PTR, I64 -> 8;
            case I32, F32 -> 4;
            case BYTES -> blobs[i].length;
        };
    }
}
