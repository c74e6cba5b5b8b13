package dev.eve.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The {@code EbIter} struct of {@code native/common.cuh}: the logical shape of an elementwise loop and
 * the element strides of up to four operands, passed to kernels by value. {@link #of} drops size-1 dims
 * and merges neighbouring dims that are contiguous in every operand, so most loops become 1-d.
 */
public final class StridedIter {

    public static final int MAX_DIMS = 8;
    public static final int MAX_OPERANDS = 4;
    /** sizeof(EbIter): ndim, numel, shape[8], stride[4][8], all int32. */
    public static final int BYTES = 4 * (2 + MAX_DIMS + MAX_OPERANDS * MAX_DIMS);

    private final int[] shape;
    private final int[][] strides;
    private final int numel;

    private StridedIter(int[] shape, int[][] strides, int numel) {
        this.shape = shape;
        this.strides = strides;
        this.numel = numel;
    }

    /** The merged loop over {@code shape} with each operand's strides (same rank as shape). */
    public static StridedIter of(int[] shape, int[]... strides) {
        int numel = 1;
        for (int s : shape) numel = Math.multiplyExact(numel, s);
        int ops = strides.length;
        // keep dims of size != 1
        int[] sh = new int[shape.length];
        int[][] st = new int[ops][shape.length];
        int nd = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            sh[nd] = shape[d];
            for (int k = 0; k < ops; k++) st[k][nd] = strides[k][d];
            nd++;
        }
        // merge from the back: dim d folds into d+1 when stride[d] == stride[d+1] * shape[d+1] for all ops
        int[] msh = new int[nd];
        int[][] mst = new int[ops][nd];
        int m = 0;
        for (int d = 0; d < nd; d++) {
            if (m > 0) {
                boolean merge = true;
                for (int k = 0; k < ops && merge; k++)
                    merge = (long) mst[k][m - 1] == (long) st[k][d] * sh[d];
                if (merge) {
                    msh[m - 1] *= sh[d];
                    for (int k = 0; k < ops; k++) mst[k][m - 1] = st[k][d];
                    continue;
                }
            }
            msh[m] = sh[d];
            for (int k = 0; k < ops; k++) mst[k][m] = st[k][d];
            m++;
        }
        int[] fsh = Arrays.copyOf(msh, m);
        int[][] fst = new int[ops][];
        for (int k = 0; k < ops; k++) fst[k] = Arrays.copyOf(mst[k], m);
        if (m > MAX_DIMS)
            throw new IllegalArgumentException("strided loop over " + Arrays.toString(shape) + " needs " + m
                    + " dims after merging (at most " + MAX_DIMS + ")");
        return new StridedIter(fsh, fst, numel);
    }

    /** The loop over {@code shape} exactly as given (indexing kernels need the dims as they are). */
    public static StridedIter raw(int[] shape, int[]... strides) {
        if (shape.length > MAX_DIMS)
            throw new IllegalArgumentException("at most " + MAX_DIMS + " dims on the GPU, got " + shape.length);
        int numel = 1;
        for (int s : shape) numel = Math.multiplyExact(numel, s);
        int[][] st = new int[strides.length][];
        for (int k = 0; k < strides.length; k++) st[k] = strides[k].clone();
        return new StridedIter(shape.clone(), st, numel);
    }

    public int ndim() {
        return shape.length;
    }

    public int numel() {
        return numel;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int[] strides(int operand) {
        return strides[operand].clone();
    }

    /** The struct's bytes (little endian). */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(shape.length).putInt(numel);
        for (int d = 0; d < MAX_DIMS; d++) b.putInt(d < shape.length ? shape[d] : 1);
        for (int k = 0; k < MAX_OPERANDS; k++)
            for (int d = 0; d < MAX_DIMS; d++) b.putInt(k < strides.length && d < shape.length ? strides[k][d] : 0);
        return b.array();
    }

    /** Row-major strides of a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= Math.max(shape[d], 1);
        }
        return s;
    }
}
