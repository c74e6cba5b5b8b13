package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;

import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;

/** index_select, index_add, gather and scatter. Index ranges are checked by the op layer. */
final class IndexKernels {

    private IndexKernels() {}

    private static long[] indices(Tensor index) {
        return index.dtype() == DType.I64 && index.isContiguous() && index.offset() == 0
                && index.numel() == storage(index).size() ? storage(index).longs() : index.toLongArray();
    }

    /** Sizes of x viewed as [outer, n, inner] around {@code dim}. */
    private static int[] around(int[] shape, int dim) {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.length; i++) inner *= shape[i];
        return new int[] {outer, shape[dim], inner};
    }

    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        Tensor xc = x.contiguous();
        long[] idx = indices(index);
        int m = index.numel();
        int[] shape = x.shape();
        int[] a = around(shape, dim);
        int outer = a[0], n = a[1], inner = a[2];
        shape[dim] = m;
        Tensor y = empty(x.dtype(), shape);
        Object src = array(storage(xc)), dst = array(storage(y));
        int xo = xc.offset();
        Parallel.forRange(outer * m, Math.max(1, (1 << 14) / Math.max(inner, 1)), (s, e) -> {
            for (int p = s; p < e; p++) {
                int o = p / m, j = p % m;
                System.arraycopy(src, xo + (o * n + (int) idx[j]) * inner, dst, (o * m + j) * inner, inner);
            }
        });
        return y;
    }

    static void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        long[] idx = indices(index);
        int m = index.numel();
        int[] a = around(dst.shape(), dim);
        int outer = a[0], n = a[1], inner = a[2];
        Tensor sc = src.contiguous();
        CpuStorage ds = storage(dst), ss = storage(sc);
        int dOff = dst.offset(), sOff = sc.offset();
        if (dst.dtype() == DType.F32) {
            float[] d = ds.floats(), s = ss.floats();
            // Parallel over outer or over column blocks: each thread owns whole output elements.
            if (outer >= Parallel.threads() || inner < 64) {
                Parallel.forRange(outer, 1, (os, oe) -> {
                    for (int o = os; o < oe; o++)
                        for (int j = 0; j < m; j++) addRow(s, sOff + (o * m + j) * inner, d, dOff + (o * n + (int) idx[j]) * inner, 0, inner);
                });
            } else {
                int blocks = Math.min(Parallel.threads() * 4, Math.max(1, inner / 16));
                Parallel.forChunks(blocks, c -> {
                    int from = (int) ((long) inner * c / blocks), to = (int) ((long) inner * (c + 1) / blocks);
                    for (int o = 0; o < outer; o++)
                        for (int j = 0; j < m; j++)
                            addRow(s, sOff + (o * m + j) * inner, d, dOff + (o * n + (int) idx[j]) * inner, from, to);
                });
            }
            return;
        }
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                for (int i = 0; i < inner; i++) {
                    int di = dOff + (o * n + (int) idx[j]) * inner + i, si = sOff + (o * m + j) * inner + i;
                    ds.setLong(di, ds.getLong(di) + ss.getLong(si));
                }
    }

    private static void addRow(float[] s, int so, float[] d, int dOff, int from, int to) {
        for (int i = from; i < to; i++) d[dOff + i] += s[so + i];
    }

    /** Walks every element of {@code index} (any layout) and calls {@code fn(indexValue, flatIndexOffsetInX, srcOffset)}. */
    private interface Visit {
        void at(long target, int xOffsetWithoutDim, int linear);
    }

    private static void forEachIndex(Tensor index, int dim, int[] xStrides, Visit fn) {
        int[] shape = index.shape();
        int rank = shape.length;
        long[] idx = index.contiguous().toLongArray();
        int total = idx.length;
        int[] pos = new int[rank];
        for (int linear = 0; linear < total; linear++) {
            int off = 0;
            for (int d = 0; d < rank; d++) if (d != dim) off += pos[d] * xStrides[d];
            fn.at(idx[linear], off, linear);
            for (int d = rank - 1; d >= 0; d--) {
                if (++pos[d] < shape[d]) break;
                pos[d] = 0;
            }
        }
    }

    static Tensor gather(Tensor x, int dim, Tensor index) {
        Tensor y = empty(x.dtype(), index.shape());
        CpuStorage xs = storage(x), ys = storage(y);
        int[] st = x.strides();
        int base = x.offset(), step = st[dim];
        if (x.dtype() == DType.F32) {
            float[] xf = xs.floats(), yf = ys.floats();
            forEachIndex(index, dim, st, (t, off, lin) -> yf[lin] = xf[base + off + (int) t * step]);
        } else {
            forEachIndex(index, dim, st, (t, off, lin) -> ys.setLong(lin, xs.getLong(base + off + (int) t * step)));
        }
        return y;
    }

    static void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate) {
        CpuStorage ds = storage(dst), ss = storage(src);
        int[] st = dst.strides(), srcStrides = src.strides();
        int base = dst.offset(), step = st[dim];
        int[] ishape = index.shape();
        // Source element at the same multi-index as the index element.
        int[] srcLinearToOffset = new int[index.numel()];
        int[] pos = new int[ishape.length];
        for (int lin = 0; lin < srcLinearToOffset.length; lin++) {
            int off = src.offset();
            for (int d = 0; d < ishape.length; d++) off += pos[d] * srcStrides[d];
            srcLinearToOffset[lin] = off;
            for (int d = ishape.length - 1; d >= 0; d--) {
                if (++pos[d] < ishape[d]) break;
                pos[d] = 0;
            }
        }
        boolean floating = dst.dtype().isFloating();
        forEachIndex(index, dim, st, (t, off, lin) -> {
            int di = base + off + (int) t * step, si = srcLinearToOffset[lin];
            if (floating) ds.setDouble(di, (accumulate ? ds.getDouble(di) : 0) + ss.getDouble(si));
            else ds.setLong(di, (accumulate ? ds.getLong(di) : 0) + ss.getLong(si));
        });
    }

    static Object array(CpuStorage s) {
        return switch (s.dtype()) {
            case F32 -> s.floats();
            case I64 -> s.longs();
            case I32 -> s.ints();
            default -> s.bools();
        };
    }
}
