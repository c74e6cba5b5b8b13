package dev.eve.core.testing;

import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Tolerance-based comparison of tensors with a report of the worst element. */
public final class TensorAssert {

    private TensorAssert() {}

    /** Fails unless the shapes match and |a - e| <= atol + rtol * |e| everywhere (NaN only where expected). */
    public static void assertClose(Tensor expected, Tensor actual, double rtol, double atol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) || Float.isNaN(a[i])) {
                if (Float.isNaN(e[i]) != Float.isNaN(a[i])) {
                    worst = i;
                    worstExcess = Double.POSITIVE_INFINITY;
                    break;
                }
                continue;
            }
            if (Float.isInfinite(e[i]) && e[i] == a[i]) continue;
            double excess = Math.abs((double) a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0) {
            fail(String.format("%s: element %s of shape %s differs: expected %s, got %s (rtol %g, atol %g)",
                    what, Arrays.toString(unravel(worst, expected.shape())), Shapes.format(expected.shape()),
                    e[worst], a[worst], rtol, atol));
        }
    }

    public static void assertClose(Tensor expected, Tensor actual, String what) {
        assertClose(expected, actual, 1e-4, 1e-5, what);
    }

    /** Exact equality of shape and integer values. */
    public static void assertEqualLongs(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertArrayEquals(expected.toLongArray(), actual.toLongArray(), what);
    }

    static int[] unravel(int index, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : index % shape[d];
            index = shape[d] == 0 ? 0 : index / shape[d];
        }
        return idx;
    }
}
