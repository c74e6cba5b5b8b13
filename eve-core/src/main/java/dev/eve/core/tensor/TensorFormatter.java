package dev.eve.core.tensor;

/** Prints tensors the way PyTorch does, eliding the middle of large dims. */
final class TensorFormatter {

    private static final int EDGE = 3;
    private static final int FULL_LIMIT = 1000;

    private TensorFormatter() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        boolean summarize = t.numel() > FULL_LIMIT;
        if (t.dim() == 0) {
            appendValue(sb, t, t.dtype().isFloating() ? t.toFloatArray()[0] : t.toLongArray()[0]);
        } else {
            double[] values = values(t);
            appendDims(sb, t.shape(), values, 0, 0, Shapes.contiguousStrides(t.shape()), summarize, 7, t.dtype());
        }
        sb.append(", shape=").append(Shapes.format(t.shape()));
        if (t.dtype() != DType.F32) sb.append(", dtype=").append(t.dtype());
        if (!t.device().isCpu()) sb.append(", device=").append(t.device());
        if (t.gradFn() != null) sb.append(", grad_fn=").append(t.gradFn().name());
        else if (t.requiresGrad()) sb.append(", requires_grad=true");
        return sb.append(')').toString();
    }

    private static double[] values(Tensor t) {
        double[] v = new double[t.numel()];
        if (t.dtype().isFloating()) {
            float[] f = t.toFloatArray();
            for (int i = 0; i < f.length; i++) v[i] = f[i];
        } else {
            long[] l = t.toLongArray();
            for (int i = 0; i < l.length; i++) v[i] = l[i];
        }
        return v;
    }

    private static void appendDims(StringBuilder sb, int[] shape, double[] values, int dim, int base,
                                   int[] strides, boolean summarize, int indent, DType dtype) {
        sb.append('[');
        int n = shape[dim];
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + dim + 1));
                i = n - EDGE - 1;
                continue;
            }
            int off = base + i * strides[dim];
            if (dim == shape.length - 1) appendScalar(sb, values[off], dtype);
            else appendDims(sb, shape, values, dim + 1, off, strides, summarize, indent, dtype);
            if (i < n - 1) sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
        }
        sb.append(']');
    }

    private static void appendValue(StringBuilder sb, Tensor t, double v) {
        appendScalar(sb, v, t.dtype());
    }

    private static void appendScalar(StringBuilder sb, double v, DType dtype) {
        if (dtype == DType.BOOL) sb.append(v != 0);
        else if (!dtype.isFloating()) sb.append((long) v);
        else if (Double.isNaN(v) || Double.isInfinite(v)) sb.append(v);
        else if (v != 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-4)) sb.append(String.format(java.util.Locale.ROOT, "%.4e", v));
        else sb.append(String.format(java.util.Locale.ROOT, "%.4f", v));
    }
}
