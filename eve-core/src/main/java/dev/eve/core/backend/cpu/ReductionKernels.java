package dev.eve.core.backend.cpu;

import dev.eve.core.backend.ReduceOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;

import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;
import static dev.eve.core.backend.cpu.VectorMath.F;
import static dev.eve.core.backend.cpu.VectorMath.LANES;

/**
 * Reductions, arg-reductions, prefix sums and top-k. Every kernel works on a contiguous
 * [outer, n, inner] arrangement: the reduced dims in the middle, vectorised along n when inner == 1
 * and along inner otherwise.
 */
final class ReductionKernels {

    private ReductionKernels() {}

    /** x as a contiguous tensor with the given dims adjacent, plus outer/n/inner sizes. */
    private record Arranged(Tensor data, int outer, int n, int inner) {}

    private static Arranged arrange(Tensor x, int[] dims) {
        int rank = x.dim();
        int[] shape = x.shape();
        if (rank == 0) return new Arranged(x.contiguous(), 1, 1, 1);
        boolean adjacent = true;
        for (int i = 1; i < dims.length; i++) adjacent &= dims[i] == dims[i - 1] + 1;
        if (dims.length == 0) return new Arranged(x.contiguous(), x.numel(), 1, 1);
        if (adjacent) {
            int outer = 1, n = 1, inner = 1;
            for (int i = 0; i < rank; i++) {
                if (i < dims[0]) outer *= shape[i];
                else if (i <= dims[dims.length - 1]) n *= shape[i];
                else inner *= shape[i];
            }
            return new Arranged(x.contiguous(), outer, n, inner);
        }
        // Move the reduced dims last (the kept dims keep their order).
        int[] perm = new int[rank];
        int j = 0;
        int outer = 1, n = 1;
        for (int i = 0; i < rank; i++) if (Arrays.binarySearch(dims, i) < 0) {
            perm[j++] = i;
            outer *= shape[i];
        }
        for (int d : dims) {
            perm[j++] = d;
            n *= shape[d];
        }
        return new Arranged(x.permute(perm).contiguous(), outer, n, 1);
    }

    static Tensor reduce(ReduceOp op, Tensor x, int[] dims) {
        int[] outShape = x.shape();
        for (int d : dims) outShape[d] = 1;
        Arranged a = arrange(x, dims);
        DType in = x.dtype();
        Tensor y = empty(op.resultType(in), outShape);
        if (in == DType.F32 && op != ReduceOp.ANY && op != ReduceOp.ALL) {
            reduceFloat(op, storage(a.data).floats(), a.data.offset(), a.outer, a.n, a.inner, storage(y).floats());
        } else {
            reduceGeneric(op, storage(a.data), a.data.offset(), a.outer, a.n, a.inner, storage(y));
        }
        return y;
    }

    private static void reduceFloat(ReduceOp op, float[] x, int xOff, int outer, int n, int inner, float[] y) {
        float scale = op == ReduceOp.MEAN ? 1f / n : 1f;
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, (1 << 14) / Math.max(n, 1)), (s, e) -> {
                for (int o = s; o < e; o++) y[o] = reduceRow(op, x, xOff + o * n, n) * scale;
            });
            return;
        }
        Parallel.forRange(outer * inner, Math.max(1, (1 << 14) / Math.max(n, 1)), (s, e) -> {
            // Work on (outer, inner-range) pieces so each output element is written by one thread.
            int pos = s;
            while (pos < e) {
                int o = pos / inner, from = pos % inner;
                int to = Math.min(inner, from + (e - pos));
                int base = xOff + o * n * inner;
                int out = o * inner;
                int len = to - from;
                System.arraycopy(x, base + from, y, out + from, len);
                if (op == ReduceOp.MEAN || op == ReduceOp.SUM) {
                    for (int r = 1; r < n; r++) accumulate(ReduceOp.SUM, x, base + r * inner + from, y, out + from, len);
                } else {
                    for (int r = 1; r < n; r++) accumulate(op, x, base + r * inner + from, y, out + from, len);
                }
                if (n == 0) Arrays.fill(y, out + from, out + to, identity(op));
                if (scale != 1f) for (int i = from; i < to; i++) y[out + i] *= scale;
                pos += len;
            }
        });
    }

    private static float identity(ReduceOp op) {
        return switch (op) {
            case PROD -> 1f;
            case MAX -> Float.NEGATIVE_INFINITY;
            case MIN -> Float.POSITIVE_INFINITY;
            default -> 0f;
        };
    }

    private static void accumulate(ReduceOp op, float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += LANES) {
            FloatVector a = FloatVector.fromArray(F, y, yo + i), b = FloatVector.fromArray(F, x, xo + i);
            FloatVector r = switch (op) {
                case SUM, MEAN -> a.add(b);
                case MAX -> a.max(b);
                case MIN -> a.min(b);
                case PROD -> a.mul(b);
                default -> throw new IllegalStateException();
            };
            r.intoArray(y, yo + i);
        }
        for (; i < len; i++) {
            float a = y[yo + i], b = x[xo + i];
            y[yo + i] = switch (op) {
                case SUM, MEAN -> a + b;
                case MAX -> Math.max(a, b);
                case MIN -> Math.min(a, b);
                case PROD -> a * b;
                default -> throw new IllegalStateException();
            };
        }
    }

    /** Reduces x[off .. off+n) with four vector accumulators (less rounding error, more ILP). */
    static float reduceRow(ReduceOp op, float[] x, int off, int n) {
        if (n == 0) return identity(op);
        int i = 0;
        float result;
        if (op == ReduceOp.SUM || op == ReduceOp.MEAN) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
                a0 = a0.add(FloatVector.fromArray(F, x, off + i));
                a1 = a1.add(FloatVector.fromArray(F, x, off + i + LANES));
                a2 = a2.add(FloatVector.fromArray(F, x, off + i + 2 * LANES));
                a3 = a3.add(FloatVector.fromArray(F, x, off + i + 3 * LANES));
            }
            for (int bound = F.loopBound(n); i < bound; i += LANES) a0 = a0.add(FloatVector.fromArray(F, x, off + i));
            result = VectorMath.sum(a0.add(a1).add(a2.add(a3)));
            for (; i < n; i++) result += x[off + i];
            return result;
        }
        if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
            boolean max = op == ReduceOp.MAX;
            FloatVector acc = FloatVector.broadcast(F, identity(op));
            for (int bound = F.loopBound(n); i < bound; i += LANES) {
                FloatVector v = FloatVector.fromArray(F, x, off + i);
                acc = max ? acc.max(v) : acc.min(v);
            }
            result = acc.reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
            for (; i < n; i++) result = max ? Math.max(result, x[off + i]) : Math.min(result, x[off + i]);
            return result;
        }
        result = 1f;
        for (; i < n; i++) result *= x[off + i];
        return result;
    }

    private static void reduceGeneric(ReduceOp op, CpuStorage x, int xOff, int outer, int n, int inner, CpuStorage y) {
        boolean floating = x.dtype().isFloating();
        Parallel.forRange(outer * inner, Math.max(1, (1 << 13) / Math.max(n, 1)), (s, e) -> {
            for (int p = s; p < e; p++) {
                int o = p / inner, i = p % inner;
                int base = xOff + o * n * inner + i;
                if (floating || op == ReduceOp.MEAN) {
                    double acc = switch (op) {
                        case PROD, ALL -> 1;
                        case MAX -> Double.NEGATIVE_INFINITY;
                        case MIN -> Double.POSITIVE_INFINITY;
                        default -> 0;
                    };
                    for (int r = 0; r < n; r++) {
                        double v = x.getDouble(base + r * inner);
                        acc = switch (op) {
                            case SUM, MEAN -> acc + v;
                            case PROD -> acc * v;
                            case MAX -> Math.max(acc, v);
                            case MIN -> Math.min(acc, v);
                            case ANY -> acc != 0 || v != 0 ? 1 : 0;
                            case ALL -> acc != 0 && v != 0 ? 1 : 0;
                        };
                    }
                    if (op == ReduceOp.MEAN) acc /= n;
                    y.setDouble(p, acc);
                } else {
                    long acc = switch (op) {
                        case PROD, ALL -> 1;
                        case MAX -> Long.MIN_VALUE;
                        case MIN -> Long.MAX_VALUE;
                        default -> 0;
                    };
                    for (int r = 0; r < n; r++) {
                        long v = x.getLong(base + r * inner);
                        acc = switch (op) {
                            case SUM -> acc + v;
                            case PROD -> acc * v;
                            case MAX -> Math.max(acc, v);
                            case MIN -> Math.min(acc, v);
                            case ANY -> acc != 0 || v != 0 ? 1 : 0;
                            case ALL -> acc != 0 && v != 0 ? 1 : 0;
                            case MEAN -> throw new IllegalStateException();
                        };
                    }
                    y.setLong(p, acc);
                }
            }
        });
    }

    static Tensor argReduce(boolean max, Tensor x, int dim) {
        int[] outShape = x.shape();
        outShape[dim] = 1;
        Arranged a = arrange(x, new int[] {dim});
        Tensor y = empty(DType.I64, outShape);
        long[] out = storage(y).longs();
        CpuStorage xs = storage(a.data);
        int n = a.n, inner = a.inner, xOff = a.data.offset();
        Parallel.forRange(a.outer * inner, Math.max(1, (1 << 13) / Math.max(n, 1)), (s, e) -> {
            for (int p = s; p < e; p++) {
                int o = p / inner, i = p % inner;
                int base = xOff + o * n * inner + i;
                int best = 0;
                double bv = xs.getDouble(base);
                for (int r = 1; r < n && !Double.isNaN(bv); r++) {
                    double v = xs.getDouble(base + r * inner);
                    // NaN counts as the extreme value, as in PyTorch.
                    if (Double.isNaN(v) || (max ? v > bv : v < bv)) {
                        bv = v;
                        best = r;
                    }
                }
                out[p] = best;
            }
        });
        return y;
    }

    static Tensor cumsum(Tensor x, int dim) {
        Arranged a = arrange(x, new int[] {dim});
        DType outType = x.dtype() == DType.BOOL ? DType.I64 : x.dtype();
        Tensor y = empty(outType, x.shape());
        CpuStorage xs = storage(a.data), ys = storage(y);
        int n = a.n, inner = a.inner, xOff = a.data.offset();
        boolean floating = outType.isFloating();
        Parallel.forRange(a.outer * inner, Math.max(1, (1 << 13) / Math.max(n, 1)), (s, e) -> {
            for (int p = s; p < e; p++) {
                int o = p / inner, i = p % inner;
                int base = o * n * inner + i;
                if (floating) {
                    double acc = 0; // PyTorch accumulates float cumsum in double on the CPU.
                    for (int r = 0; r < n; r++) {
                        acc += xs.getDouble(xOff + base + r * inner);
                        ys.setDouble(base + r * inner, acc);
                    }
                } else {
                    long acc = 0;
                    for (int r = 0; r < n; r++) {
                        acc += xs.getLong(xOff + base + r * inner);
                        ys.setLong(base + r * inner, acc);
                    }
                }
            }
        });
        return y;
    }

    static Tensor[] topk(Tensor x, int k, int dim, boolean largest) {
        int last = x.dim() - 1;
        Tensor rows = (dim == last ? x : x.transpose(dim, last)).contiguous();
        int n = x.shape()[dim];
        int count = n == 0 ? 0 : rows.numel() / n;
        int[] outShape = rows.shape();
        outShape[last] = k;
        Tensor values = empty(x.dtype(), outShape), indices = empty(DType.I64, outShape);
        CpuStorage xs = storage(rows), vs = storage(values);
        int xOff = rows.offset();
        long[] is = storage(indices).longs();
        Parallel.forRange(count, Math.max(1, (1 << 12) / Math.max(n, 1)), (s, e) -> {
            int[] order = new int[n], tmp = new int[n];
            double[] v = new double[n];
            for (int r = s; r < e; r++) {
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                    v[i] = xs.getDouble(xOff + r * n + i);
                }
                if (k == 1) {
                    int best = 0;
                    for (int i = 1; i < n; i++) if (before(v, i, best, largest)) best = i;
                    order[0] = best;
                } else {
                    mergeSort(order, tmp, v, 0, n, largest);
                }
                for (int j = 0; j < k; j++) {
                    vs.setDouble(r * k + j, v[order[j]]);
                    is[r * k + j] = order[j];
                }
            }
        });
        if (dim == last) return new Tensor[] {values, indices};
        return new Tensor[] {values.transpose(dim, last).contiguous(), indices.transpose(dim, last).contiguous()};
    }

    /** Whether element i sorts before j: larger first (NaN largest), ties by index. */
    private static boolean before(double[] v, int i, int j, boolean largest) {
        double a = v[i], b = v[j];
        boolean an = Double.isNaN(a), bn = Double.isNaN(b);
        if (an || bn) {
            if (an && bn) return i < j;
            return largest == an;
        }
        if (a != b) return largest ? a > b : a < b;
        return i < j;
    }

    private static void mergeSort(int[] a, int[] tmp, double[] v, int lo, int hi, boolean largest) {
        if (hi - lo < 2) return;
        if (hi - lo <= 16) {
            for (int i = lo + 1; i < hi; i++) {
                int x = a[i], j = i - 1;
                while (j >= lo && before(v, x, a[j], largest)) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = x;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        mergeSort(a, tmp, v, lo, mid, largest);
        mergeSort(a, tmp, v, mid, hi, largest);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi) tmp[k++] = before(v, a[j], a[i], largest) ? a[j++] : a[i++];
        while (i < mid) tmp[k++] = a[i++];
        while (j < hi) tmp[k++] = a[j++];
        System.arraycopy(tmp, lo, a, lo, hi - lo);
    }
}
