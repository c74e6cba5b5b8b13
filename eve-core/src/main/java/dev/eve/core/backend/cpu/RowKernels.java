package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;


import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;
import static dev.eve.core.backend.cpu.VectorMath.F;
import static dev.eve.core.backend.cpu.VectorMath.LANES;

/** Fused kernels over the rows of a contiguous matrix: softmax, log-softmax, layer norm, and their backward. */
final class RowKernels {

    private RowKernels() {}

    private static int grain(int width) {
        return Math.max(1, (1 << 14) / Math.max(width, 1));
    }

    // ================================================================= softmax

    static Tensor softmax(Tensor x, boolean log) {
        int width = x.shape()[x.dim() - 1];
        int rows = width == 0 ? 0 : x.numel() / width;
        Tensor y = empty(DType.F32, x.shape());
        float[] xs = storage(x).floats(), ys = storage(y).floats();
        int base = x.offset();
        Parallel.forRange(rows, grain(width), (s, e) -> {
            for (int r = s; r < e; r++) softmaxRow(xs, base + r * width, ys, r * width, width, log);
        });
        return y;
    }

    /** One row; a row of all -inf gives NaN, as in PyTorch. */
    static void softmaxRow(float[] x, int xo, float[] y, int yo, int n, boolean log) {
        float max = ReductionKernels.reduceRow(dev.eve.core.backend.ReduceOp.MAX, x, xo, n);
        int i = 0;
        FloatVector mv = FloatVector.broadcast(F, max);
        FloatVector sumV = FloatVector.zero(F);
        int bound = F.loopBound(n);
        if (log) {
            for (; i < bound; i += LANES)
                sumV = sumV.add(VectorMath.exp(FloatVector.fromArray(F, x, xo + i).sub(mv)));
            float sum = VectorMath.sum(sumV);
            for (; i < n; i++) sum += VectorMath.exp(x[xo + i] - max);
            float shift = max + (float) Math.log(sum);
            FloatVector sv = FloatVector.broadcast(F, shift);
            for (i = 0; i < bound; i += LANES) FloatVector.fromArray(F, x, xo + i).sub(sv).intoArray(y, yo + i);
            for (; i < n; i++) y[yo + i] = x[xo + i] - shift;
            return;
        }
        for (; i < bound; i += LANES) {
            FloatVector ev = VectorMath.exp(FloatVector.fromArray(F, x, xo + i).sub(mv));
            ev.intoArray(y, yo + i);
            sumV = sumV.add(ev);
        }
        float sum = VectorMath.sum(sumV);
        for (; i < n; i++) {
            float ev = VectorMath.exp(x[xo + i] - max);
            y[yo + i] = ev;
            sum += ev;
        }
        float inv = 1f / sum;
        FloatVector iv = FloatVector.broadcast(F, inv);
        for (i = 0; i < bound; i += LANES) FloatVector.fromArray(F, y, yo + i).mul(iv).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] *= inv;
    }

    static Tensor softmaxBackward(Tensor y, Tensor g, boolean log) {
        int width = y.shape()[y.dim() - 1];
        int rows = width == 0 ? 0 : y.numel() / width;
        Tensor gx = empty(DType.F32, y.shape());
        float[] ys = storage(y).floats(), gs = storage(g).floats(), out = storage(gx).floats();
        int yb = y.offset(), gb = g.offset();
        Parallel.forRange(rows, grain(width), (s, e) -> {
            for (int r = s; r < e; r++) {
                int yo = yb + r * width, go = gb + r * width, oo = r * width;
                if (log) {
                    // dx = g - exp(y) * sum(g)
                    float sum = ReductionKernels.reduceRow(dev.eve.core.backend.ReduceOp.SUM, gs, go, width);
                    int i = 0;
                    FloatVector sv = FloatVector.broadcast(F, sum);
                    for (int bound = F.loopBound(width); i < bound; i += LANES) {
                        FloatVector p = VectorMath.exp(FloatVector.fromArray(F, ys, yo + i));
                        FloatVector.fromArray(F, gs, go + i).sub(p.mul(sv)).intoArray(out, oo + i);
                    }
                    for (; i < width; i++) out[oo + i] = gs[go + i] - VectorMath.exp(ys[yo + i]) * sum;
                } else {
                    // dx = y * (g - sum(g * y))
                    float dot = dot(ys, yo, gs, go, width);
                    int i = 0;
                    FloatVector dv = FloatVector.broadcast(F, dot);
                    for (int bound = F.loopBound(width); i < bound; i += LANES) {
                        FloatVector yv = FloatVector.fromArray(F, ys, yo + i);
                        yv.mul(FloatVector.fromArray(F, gs, go + i).sub(dv)).intoArray(out, oo + i);
                    }
                    for (; i < width; i++) out[oo + i] = ys[yo + i] * (gs[go + i] - dot);
                }
            }
        });
        return gx;
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + LANES).fma(FloatVector.fromArray(F, b, bo + i + LANES), acc1);
        }
        for (int bound = F.loopBound(n); i < bound; i += LANES)
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
        float s = VectorMath.sum(acc0.add(acc1));
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    // ================================================================= layer norm

    static Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        int width = x.shape()[1], rows = x.shape()[0];
        Tensor y = empty(DType.F32, x.shape());
        Tensor mean = empty(DType.F32, new int[] {rows}), rstd = empty(DType.F32, new int[] {rows});
        float[] xs = storage(x).floats(), ys = storage(y).floats(), ms = storage(mean).floats(), rs = storage(rstd).floats();
        float[] w = weight == null ? null : storage(weight.contiguous()).floats();
        float[] b = bias == null ? null : storage(bias.contiguous()).floats();
        int wo = weight == null ? 0 : weight.contiguous().offset(), bo = bias == null ? 0 : bias.contiguous().offset();
        int xb = x.offset();
        Parallel.forRange(rows, grain(width), (s, e) -> {
            for (int r = s; r < e; r++) {
                int xo = xb + r * width, yo = r * width;
                float mu = ReductionKernels.reduceRow(dev.eve.core.backend.ReduceOp.SUM, xs, xo, width) / width;
                // Two passes (mean, then centred squares): robust when |mean| >> std.
                FloatVector muV = FloatVector.broadcast(F, mu), acc = FloatVector.zero(F);
                int i = 0, bound = F.loopBound(width);
                for (; i < bound; i += LANES) {
                    FloatVector d = FloatVector.fromArray(F, xs, xo + i).sub(muV);
                    acc = d.fma(d, acc);
                }
                float var = VectorMath.sum(acc);
                for (; i < width; i++) {
                    float d = xs[xo + i] - mu;
                    var += d * d;
                }
                var /= width;
                float inv = (float) (1.0 / Math.sqrt(var + eps));
                ms[r] = mu;
                rs[r] = inv;
                FloatVector invV = FloatVector.broadcast(F, inv);
                for (i = 0; i < bound; i += LANES) {
                    FloatVector v = FloatVector.fromArray(F, xs, xo + i).sub(muV).mul(invV);
                    if (w != null) v = v.mul(FloatVector.fromArray(F, w, wo + i));
                    if (b != null) v = v.add(FloatVector.fromArray(F, b, bo + i));
                    v.intoArray(ys, yo + i);
                }
                for (; i < width; i++) {
                    float v = (xs[xo + i] - mu) * inv;
                    if (w != null) v *= w[wo + i];
                    if (b != null) v += b[bo + i];
                    ys[yo + i] = v;
                }
            }
        });
        return new Tensor[] {y, mean, rstd};
    }

    static Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean hasBias) {
        int width = x.shape()[1], rows = x.shape()[0];
        Tensor gx = empty(DType.F32, x.shape());
        float[] gs = storage(grad).floats(), xs = storage(x).floats(), ms = storage(mean).floats(), rs = storage(rstd).floats();
        float[] out = storage(gx).floats();
        Tensor wc = weight == null ? null : weight.contiguous();
        float[] w = wc == null ? null : storage(wc).floats();
        int wo = wc == null ? 0 : wc.offset();
        int gb = grad.offset(), xb = x.offset(), mb = mean.offset(), rb = rstd.offset();
        boolean needW = weight != null;
        int threads = Math.max(1, Math.min(Parallel.threads(), rows));
        // Parameter gradients: one partial sum per chunk of rows, added at the end (no races).
        int chunks = rows == 0 ? 0 : Math.min(rows, threads * 4);
        float[][] partW = needW ? new float[chunks][width] : null;
        float[][] partB = hasBias ? new float[chunks][width] : null;
        Parallel.forChunks(chunks, c -> {
            int s = (int) ((long) rows * c / chunks), e = (int) ((long) rows * (c + 1) / chunks);
            float[] xhat = new float[width], wg = new float[width];
            float[] pw = partW == null ? null : partW[c], pb = partB == null ? null : partB[c];
            int bound = F.loopBound(width);
            for (int r = s; r < e; r++) {
                int go = gb + r * width, xo = xb + r * width, oo = r * width;
                float mu = ms[mb + r], inv = rs[rb + r];
                FloatVector muV = FloatVector.broadcast(F, mu), invV = FloatVector.broadcast(F, inv);
                FloatVector sumWgV = FloatVector.zero(F), sumWgXV = FloatVector.zero(F);
                int i = 0;
                for (; i < bound; i += LANES) {
                    FloatVector xh = FloatVector.fromArray(F, xs, xo + i).sub(muV).mul(invV);
                    FloatVector g = FloatVector.fromArray(F, gs, go + i);
                    FloatVector wgi = w == null ? g : g.mul(FloatVector.fromArray(F, w, wo + i));
                    xh.intoArray(xhat, i);
                    wgi.intoArray(wg, i);
                    sumWgV = sumWgV.add(wgi);
                    sumWgXV = wgi.fma(xh, sumWgXV);
                    if (pw != null) g.fma(xh, FloatVector.fromArray(F, pw, i)).intoArray(pw, i);
                    if (pb != null) g.add(FloatVector.fromArray(F, pb, i)).intoArray(pb, i);
                }
                float sumWg = VectorMath.sum(sumWgV), sumWgX = VectorMath.sum(sumWgXV);
                for (; i < width; i++) {
                    float xh = (xs[xo + i] - mu) * inv;
                    float g = gs[go + i];
                    float wgi = w == null ? g : g * w[wo + i];
                    xhat[i] = xh;
                    wg[i] = wgi;
                    sumWg += wgi;
                    sumWgX += wgi * xh;
                    if (pw != null) pw[i] += g * xh;
                    if (pb != null) pb[i] += g;
                }
                float a = sumWg / width, bcoef = sumWgX / width;
                FloatVector aV = FloatVector.broadcast(F, a), bV = FloatVector.broadcast(F, bcoef);
                for (i = 0; i < bound; i += LANES) {
                    FloatVector xh = FloatVector.fromArray(F, xhat, i);
                    FloatVector.fromArray(F, wg, i).sub(aV).sub(xh.mul(bV)).mul(invV).intoArray(out, oo + i);
                }
                for (; i < width; i++) out[oo + i] = inv * (wg[i] - a - xhat[i] * bcoef);
            }
        });
        Tensor gw = null, gbias = null;
        if (needW) gw = sumParts(partW, width);
        if (hasBias) gbias = sumParts(partB, width);
        return new Tensor[] {gx, gw, gbias};
    }

    private static Tensor sumParts(float[][] parts, int width) {
        float[] total = new float[width];
        for (float[] p : parts) for (int i = 0; i < width; i++) total[i] += p[i];
        Tensor t = empty(DType.F32, new int[] {width});
        System.arraycopy(total, 0, storage(t).floats(), 0, width);
        return t;
    }
}
