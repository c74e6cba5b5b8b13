package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;
import static dev.eve.core.backend.cpu.VectorMath.F;
import static dev.eve.core.backend.cpu.VectorMath.LANES;

/**
 * MoE dispatch, combine and combine's backward over the row map {@code rows} (I32 [k, S], -1 = dropped,
 * kept entries distinct: checked by the op layer). All three run in parallel over tokens: token s reads
 * its own row of the batch and writes only the buffer rows it owns (dispatch, dY) or its own output row
 * (combine), so there is one writer per element and the results do not depend on the thread count.
 */
final class MoeDispatchKernels {

    /** Tokens per parallel chunk: enough rows of H = 768 floats (3 KB) to amortise a task. */
    private static final int GRAIN = 16;

    private MoeDispatchKernels() {}

    /** The row map as a plain int[] [k * S] (a copy only when the view is not a dense I32 array). */
    private static int[] rowMap(Tensor rows) {
        Tensor c = rows.contiguous();
        int[] data = storage(c).ints();
        if (c.offset() == 0 && data.length == c.numel()) return data;
        int[] copy = new int[c.numel()];
        System.arraycopy(data, c.offset(), copy, 0, copy.length);
        return copy;
    }

    /** tokens [S, H] F32, rows [k, S] -> [outRows, H]; rows no assignment names stay 0. */
    static Tensor dispatch(Tensor tokens, Tensor rows, int outRows) {
        int k = rows.size(0), s = rows.size(1), h = tokens.size(1);
        Tensor out = empty(DType.F32, new int[] {outRows, h});
        if (h == 0) return out;
        Tensor xc = tokens.contiguous();
        float[] x = storage(xc).floats(), y = storage(out).floats();
        int xOff = xc.offset();
        int[] map = rowMap(rows);
        Parallel.forRange(s, GRAIN, (from, to) -> {
            for (int t = from; t < to; t++)
                for (int j = 0; j < k; j++) {
                    int r = map[j * s + t];
                    if (r >= 0) System.arraycopy(x, xOff + t * h, y, r * h, h);
                }
        });
        return out;
    }

    /**
     * y [R, H] F32, rows [k, S], weights [k, S] F32 or null -> [S, H]: acc = 0, then acc += w * y[row]
     * for each kept j in order, the product rounded before the add (Java never contracts to an FMA).
     */
    static Tensor combine(Tensor y, Tensor rows, Tensor weights) {
        int k = rows.size(0), s = rows.size(1), h = y.size(1);
        Tensor out = empty(DType.F32, new int[] {s, h});
        if (h == 0) return out;
        Tensor yc = y.contiguous();
        float[] ys = storage(yc).floats(), o = storage(out).floats();
        int yOff = yc.offset();
        int[] map = rowMap(rows);
        float[] w = weights == null ? null : weights.contiguous().toFloatArray();
        Parallel.forRange(s, GRAIN, (from, to) -> {
            for (int t = from; t < to; t++) {
                int oOff = t * h;
                for (int j = 0; j < k; j++) {
                    int r = map[j * s + t];
                    if (r < 0) continue;
                    addScaledRow(ys, yOff + r * h, w == null ? 1f : w[j * s + t], w == null, o, oOff, h);
                }
            }
        });
        return out;
    }

    /** o[oOff..] += wt * src[sOff..] (just src when unit), each product rounded to float first. */
    private static void addScaledRow(float[] src, int sOff, float wt, boolean unit, float[] o, int oOff, int h) {
        int i = 0;
        if (unit) {
            for (int bound = F.loopBound(h); i < bound; i += LANES)
                FloatVector.fromArray(F, o, oOff + i).add(FloatVector.fromArray(F, src, sOff + i)).intoArray(o, oOff + i);
            for (; i < h; i++) o[oOff + i] += src[sOff + i];
            return;
        }
        FloatVector wv = FloatVector.broadcast(F, wt);
        for (int bound = F.loopBound(h); i < bound; i += LANES)
            FloatVector.fromArray(F, o, oOff + i).add(FloatVector.fromArray(F, src, sOff + i).mul(wv)).intoArray(o, oOff + i);
        for (; i < h; i++) o[oOff + i] += src[sOff + i] * wt;
    }

    /** Returns {dY [R, H], dWeights [k, S] or null}; see Backend.moeCombineBackward. */
    static Tensor[] combineBackward(Tensor grad, Tensor y, Tensor rows, Tensor weights, boolean weightGrad) {
        int k = rows.size(0), s = rows.size(1), h = y.size(1), r = y.size(0);
        Tensor dy = empty(DType.F32, new int[] {r, h});
        Tensor dw = weightGrad ? empty(DType.F32, new int[] {k, s}) : null;
        Tensor gc = grad.contiguous(), yc = y.contiguous();
        float[] g = storage(gc).floats(), ys = storage(yc).floats(), d = storage(dy).floats();
        float[] dws = dw == null ? null : storage(dw).floats();
        int gOff = gc.offset(), yOff = yc.offset();
        int[] map = rowMap(rows);
        float[] w = weights == null ? null : weights.contiguous().toFloatArray();
        Parallel.forRange(s, GRAIN, (from, to) -> {
            for (int t = from; t < to; t++)
                for (int j = 0; j < k; j++) {
                    int row = map[j * s + t];
                    if (row < 0) continue; // dWeights stays 0 for a dropped assignment
                    scaleRow(g, gOff + t * h, w == null ? 1f : w[j * s + t], d, row * h, h);
                    if (dws != null) dws[j * s + t] = dot(g, gOff + t * h, ys, yOff + row * h, h);
                }
        });
        return new Tensor[] {dy, dw};
    }

    /** dst[dOff..] = wt * src[sOff..]. */
    private static void scaleRow(float[] src, int sOff, float wt, float[] dst, int dOff, int h) {
        FloatVector wv = FloatVector.broadcast(F, wt);
        int i = 0;
        for (int bound = F.loopBound(h); i < bound; i += LANES)
            FloatVector.fromArray(F, src, sOff + i).mul(wv).intoArray(dst, dOff + i);
        for (; i < h; i++) dst[dOff + i] = src[sOff + i] * wt;
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int h) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(h); i < bound; i += LANES)
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        float sum = VectorMath.sum(acc);
        for (; i < h; i++) sum = Math.fma(a[aOff + i], b[bOff + i], sum);
        return sum;
    }
}
