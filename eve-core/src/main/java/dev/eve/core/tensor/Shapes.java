package dev.eve.core.tensor;

import java.util.Arrays;

/** Arithmetic on shapes and strides: sizes, contiguous strides, broadcasting, dim normalisation. */
public final class Shapes {

    private Shapes() {}

    /** Number of elements of a shape; fails clearly if it does not fit in an int. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + format(shape));
            n *= d;
            if (n > Integer.MAX_VALUE)
                throw new IllegalArgumentException("shape " + format(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** Row-major (C-order) strides of a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** Wraps a possibly negative dim index into {@code [0, rank)}, with a clear error otherwise. */
    public static int normalizeDim(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1) || (rank == 0 && d != 0))
            throw new IllegalArgumentException("dim " + dim + " out of range for a tensor of rank " + rank);
        return d;
    }

    /** The NumPy broadcast of two shapes, or an error naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(
                        "shapes " + format(a) + " and " + format(b) + " cannot be broadcast together");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    public static String format(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Resolves one -1 entry of a requested shape against a known element count. */
    public static int[] inferShape(int[] requested, int numel) {
        int[] shape = requested.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dimension can be -1 in " + format(requested));
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("invalid shape " + format(requested));
            } else {
                known *= shape[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0)
                throw new IllegalArgumentException("shape " + format(requested) + " is invalid for " + numel + " elements");
            shape[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("shape " + format(requested) + " is invalid for " + numel + " elements");
        }
        return shape;
    }

    /**
     * Strides that let a tensor of {@code oldShape}/{@code oldStrides} be viewed as {@code newShape}
     * without copying, or null when the memory layout does not allow it (PyTorch's computeStride).
     */
    public static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int[] newStrides = new int[newShape.length];
        if (numel(oldShape) == 0) return contiguousStrides(newShape);
        int viewD = newShape.length - 1;
        long chunkBase = oldStrides.length == 0 ? 1 : oldStrides[oldStrides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
            tensorNumel *= oldShape[tensorD];
            if (tensorD == 0 || (oldShape[tensorD - 1] != 1
                    && oldStrides[tensorD - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (tensorD > 0) {
                    chunkBase = oldStrides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            // Remaining leading size-1 dims of the view.
            for (; viewD >= 0; viewD--) {
                if (newShape[viewD] != 1) return null;
                newStrides[viewD] = 1;
            }
        }
        return newStrides;
    }
}
