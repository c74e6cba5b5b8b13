package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.Tensor;

/**
 * Walks several same-shaped strided views together, one innermost row at a time. Dims that are
 * contiguous in every operand are merged first, so a fully contiguous tensor is a single row and a
 * bias broadcast over [B, N, H] is B*N rows of H with stride 0 in the bias.
 */
final class StridedLoop {

    /** Receives the element offsets of every operand at the start of a run of {@code len} inner elements. */
    @FunctionalInterface
    interface RowFn {
        void row(int[] offsets, int len);
    }

    final int[] shape;       // merged shape, rank >= 1
    final int[][] strides;   // per operand, merged
    final int[] base;        // per operand base offset
    final int rows;
    final int inner;

    private StridedLoop(int[] shape, int[][] strides, int[] base) {
        this.shape = shape;
        this.strides = strides;
        this.base = base;
        int r = 1;
        for (int i = 0; i < shape.length - 1; i++) r *= shape[i];
        this.rows = r;
        this.inner = shape[shape.length - 1];
    }

    /** The merged loop over operands that all have the shape of the first. */
    static StridedLoop of(Tensor... operands) {
        int[] shape = operands[0].shape();
        int n = operands.length;
        int[][] st = new int[n][];
        int[] base = new int[n];
        for (int k = 0; k < n; k++) {
            st[k] = operands[k].strides();
            base[k] = operands[k].offset();
        }
        // Drop size-1 dims.
        int rank = 0;
        for (int d : shape) if (d != 1) rank++;
        int[] s = new int[Math.max(rank, 1)];
        int[][] t = new int[n][s.length];
        if (rank == 0) {
            s[0] = 1;
            for (int k = 0; k < n; k++) t[k][0] = 1;
        } else {
            for (int i = 0, j = 0; i < shape.length; i++) {
                if (shape[i] == 1) continue;
                s[j] = shape[i];
                for (int k = 0; k < n; k++) t[k][j] = st[k][i];
                j++;
            }
        }
        // Merge dim i into i+1 when every operand steps over it contiguously.
        int m = s.length;
        int[] ms = new int[m];
        int[][] mt = new int[n][m];
        int out = m - 1;
        ms[out] = s[m - 1];
        for (int k = 0; k < n; k++) mt[k][out] = t[k][m - 1];
        for (int i = m - 2; i >= 0; i--) {
            boolean mergeable = true;
            for (int k = 0; k < n && mergeable; k++) mergeable = t[k][i] == mt[k][out] * ms[out];
            if (mergeable) {
                ms[out] *= s[i];
            } else {
                out--;
                ms[out] = s[i];
                for (int k = 0; k < n; k++) mt[k][out] = t[k][i];
            }
        }
        int rankOut = m - out;
        int[] fs = java.util.Arrays.copyOfRange(ms, out, m);
        int[][] ft = new int[n][];
        for (int k = 0; k < n; k++) ft[k] = java.util.Arrays.copyOfRange(mt[k], out, m);
        assert fs.length == rankOut;
        return new StridedLoop(fs, ft, base);
    }

    /** Inner stride of operand k. */
    int innerStride(int k) {
        return strides[k][shape.length - 1];
    }

    /** Calls {@code fn} for rows {@code [start, end)} with each operand's offset at the row start. */
    void forRows(int start, int end, RowFn fn) {
        if (start >= end || inner == 0) return;
        int n = base.length;
        int outer = shape.length - 1;
        int[] idx = new int[Math.max(outer, 1)];
        int[] offs = new int[n];
        // Decompose the first row index.
        int r = start;
        for (int d = outer - 1; d >= 0; d--) {
            idx[d] = r % shape[d];
            r /= shape[d];
        }
        for (int k = 0; k < n; k++) {
            int o = base[k];
            for (int d = 0; d < outer; d++) o += idx[d] * strides[k][d];
            offs[k] = o;
        }
        for (int row = start; row < end; row++) {
            fn.row(offs, inner);
            // Odometer step.
            for (int d = outer - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    for (int k = 0; k < n; k++) offs[k] += strides[k][d];
                    break;
                }
                idx[d] = 0;
                for (int k = 0; k < n; k++) offs[k] -= strides[k][d] * (shape[d] - 1);
            }
        }
    }

    /** Runs all rows, in parallel when there is enough work ({@code cost} ~ work per element). */
    void run(int cost, RowFn fn) {
        if (rows == 0 || inner == 0) return; // an empty tensor: nothing to visit
        long work = (long) rows * inner * cost;
        int threads = Parallel.threads();
        if (work < 1 << 16 || threads == 1 || Parallel.inWorker()) {
            forRows(0, rows, fn);
            return;
        }
        if (rows >= 4 * threads) {
            int grain = Math.max(1, (int) ((1 << 15) / Math.max(1L, (long) inner * cost)));
            Parallel.forRange(rows, grain, (s, e) -> forRows(s, e, fn));
            return;
        }
        // Few long rows: split each row into pieces.
        int pieces = Math.max(1, Math.min(4 * threads / rows + 1, (int) (work >> 15)));
        int pieceLen = (inner + pieces - 1) / pieces;
        int n = base.length;
        Parallel.forChunks(rows * pieces, c -> {
            int row = c / pieces, from = (c % pieces) * pieceLen;
            int len = Math.min(pieceLen, inner - from);
            if (len <= 0) return;
            int[] offs = new int[n];
            int r = row;
            int outer = shape.length - 1;
            for (int k = 0; k < n; k++) offs[k] = base[k];
            for (int d = outer - 1; d >= 0; d--) {
                int ix = r % shape[d];
                r /= shape[d];
                for (int k = 0; k < n; k++) offs[k] += ix * strides[k][d];
            }
            for (int k = 0; k < n; k++) offs[k] += from * innerStride(k);
            fn.row(offs, len);
        });
    }
}
