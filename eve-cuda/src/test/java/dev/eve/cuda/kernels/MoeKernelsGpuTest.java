package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.CudaStorage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * MoE routing against a Java transcription of eve-models' Gating (top-1 / top-2, GShard positions,
 * capacity or dropless) and MoeLayer (combine weights, l_aux), the packed row map (ExpertRows), dispatch /
 * combine over it and every backward; the router logits, gates and the combine (bit for bit) against the
 * CPU backend.
 */
class MoeKernelsGpuTest extends GpuKernelSupport {

    private static final float GATE_EPS = 1.1920929e-07f;

    @BeforeEach
    void gpu() {
        assumeGpu();
    }

    private static int argmax(float[] v, int off, int n, int exclude) {
        int best = -1;
        float bv = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < n; e++) {
            if (e == exclude) continue;
            float x = v[off + e];
            if (best < 0 || x > bv || (Float.isNaN(x) && !Float.isNaN(bv))) {
                best = e;
                bv = x;
            }
        }
        return best;
    }

    @ParameterizedTest
    @CsvSource({"2,9,24,4,2,1.0,false,true,5", "3,7,40,3,1,1.0,false,false,7", "2,11,16,5,2,0.5,false,false,0",
            "1,300,8,6,2,1.0,true,true,100", "4,200,768,16,2,1.25,false,true,197"})
    void routingDispatchCombineAndBackward(int batch, int seq, int h, int experts, int topk, double factor,
                                           boolean dropless, boolean noisy, int visionTokens) {
        int s = batch * seq, e = experts;
        float[] x = randn(s * h, 1), ve = randn(h, 0.5), te = randn(h, 0.5), wg = randn(e * h, 0.3), noise = randn(s * e, 1);
        // router: shifted tokens and logits vs the CPU backend's matmul + softmax
        float[] shifted = new float[s * h];
        for (int t = 0; t < s; t++)
            for (int i = 0; i < h; i++) shifted[t * h + i] = x[t * h + i] + ((t % seq) < visionTokens ? ve[i] : te[i]);
        float[] logitsRef = floats(cpu.matmul(dev.eve.core.tensor.Tensor.of(shifted, 1, s, h),
                dev.eve.core.tensor.Tensor.of(wg, e, h).transpose(0, 1).contiguous().reshape(1, h, e), 1f));
        CudaStorage dx = upload(x, DType.F32), dve = upload(ve, DType.F32), dte = upload(te, DType.F32), dwg = upload(wg, DType.F32),
                shiftedDev = zeros(DType.F32, (long) s * h), dlog = zeros(DType.F32, (long) s * e), dnoise = upload(noise, DType.F32);
        MoeKernels.routerForward(device(), stream(), DType.F32, dx.pointer(), dve.pointer(), dte.pointer(), dwg.pointer(),
                shiftedDev.pointer(), dlog.pointer(), s, h, e, seq, visionTokens);
        close(shifted, download(shiftedDev, s * h), 0, "shifted");
        float[] logits = download(dlog, s * e);
        close(logitsRef, logits, 1e-4, "router logits");
        CudaStorage gates = zeros(DType.F32, (long) s * e), e1 = zeros(DType.I32, s), e2 = zeros(DType.I32, s);
        MoeKernels.gateTopk(device(), stream(), dlog.pointer(), noisy ? dnoise.pointer() : 0, gates.pointer(), e1.pointer(),
                e2.pointer(), s, e, topk);
        float[] g = download(gates, s * e);
        close(floats(cpu.softmax(dev.eve.core.tensor.Tensor.of(logits, s, e), false)), g, 1e-5, "gates");
        // routing reference (Gating.top1 / top2) on the GPU's gates and logits
        int cap = dropless ? MoeKernels.DROPLESS : MoeKernels.capacity(s, e, factor * topk, 4);
        int[] r1 = new int[s], r2 = new int[s], s1 = new int[s], s2 = new int[s];
        long[] counts = new long[e];
        float[] row = new float[e];
        for (int t = 0; t < s; t++) {
            r1[t] = argmax(g, t * e, e, -1);
            counts[r1[t]]++;
            if (topk == 2) {
                for (int j = 0; j < e; j++) row[j] = logits[t * e + j] + (noisy ? noise[t * e + j] : 0f);
                r2[t] = argmax(row, 0, e, r1[t]);
            } else r2[t] = -1;
        }
        int[] next1 = new int[e], next2 = new int[e], assigned = new int[e];
        for (int t = 0; t < s; t++) {
            int l1 = next1[r1[t]]++;
            s1[t] = l1 < cap ? l1 : -1;
            if (s1[t] >= 0) assigned[r1[t]]++;
            if (topk == 2) {
                long l2 = next2[r2[t]]++ + counts[r2[t]];
                s2[t] = l2 < cap ? (int) l2 : -1;
                if (s2[t] >= 0) assigned[r2[t]]++;
            } else s2[t] = -1;
        }
        CudaStorage sl1 = zeros(DType.I32, s), sl2 = zeros(DType.I32, s), cnt = zeros(DType.I32, e), asg = zeros(DType.I32, e),
                gmean = zeros(DType.F32, e);
        MoeKernels.positions(device(), stream(), e1.pointer(), e2.pointer(), gates.pointer(), sl1.pointer(), sl2.pointer(),
                cnt.pointer(), asg.pointer(), gmean.pointer(), s, e, topk, cap);
        assertArrayEquals(toFloat(r1), download(e1, s), "expert1");
        if (topk == 2) assertArrayEquals(toFloat(r2), download(e2, s), "expert2");
        assertArrayEquals(toFloat(s1), download(sl1, s), "slot1");
        if (topk == 2) assertArrayEquals(toFloat(s2), download(sl2, s), "slot2");
        float[] countsF = new float[e];
        for (int j = 0; j < e; j++) countsF[j] = counts[j];
        assertArrayEquals(countsF, download(cnt, e), "counts");
        assertArrayEquals(toFloat(assigned), download(asg, e), "assigned");
        // weights and l_aux as MoeLayer.forward; w1, w2 written into the rows of one [topk, S] tensor
        float[] w1 = new float[s], w2 = new float[s];
        for (int t = 0; t < s; t++) {
            float g1 = s1[t] >= 0 ? g[t * e + r1[t]] : 0f;
            if (topk == 1) { w1[t] = g1; continue; }
            float g2 = s2[t] >= 0 ? g[t * e + r2[t]] : 0f, d = Math.max(g1 + g2, GATE_EPS);
            w1[t] = g1 / d;
            w2[t] = g2 / d;
        }
        double laux = 0;
        for (int j = 0; j < e; j++) {
            double me = 0;
            for (int t = 0; t < s; t++) me += g[t * e + j];
            laux += me / s * ((double) counts[j] / s);
        }
        laux = laux / e * e * e;
        CudaStorage weights = zeros(DType.F32, (long) topk * s), dl = zeros(DType.F32, 1);
        long dw1 = weights.pointer(), dw2 = topk == 2 ? weights.pointer(s) : 0;
        MoeKernels.combineWeights(device(), stream(), gates.pointer(), e1.pointer(), e2.pointer(), sl1.pointer(), sl2.pointer(),
                dw1, dw2, s, e, topk, GATE_EPS);
        MoeKernels.auxLoss(device(), stream(), gmean.pointer(), cnt.pointer(), dl.pointer(), s, e);
        float[] wAll = download(weights, topk * s);
        close(w1, java.util.Arrays.copyOfRange(wAll, 0, s), 1e-6, "w1");
        if (topk == 2) close(w2, java.util.Arrays.copyOfRange(wAll, s, 2 * s), 1e-6, "w2");
        close(new float[] {(float) laux}, download(dl, 1), 1e-5, "l_aux");
        // packed rows: expert ex owns rows offset[ex] .. offset[ex] + assigned[ex] - 1, in slot order
        int[] offset = new int[e + 1];
        for (int j = 0; j < e; j++) offset[j + 1] = offset[j] + assigned[j];
        int rTotal = offset[e];
        int[] wantRows = new int[topk * s];
        for (int t = 0; t < s; t++) {
            wantRows[t] = s1[t] >= 0 ? offset[r1[t]] + s1[t] : -1;
            if (topk == 2) wantRows[s + t] = s2[t] >= 0 ? offset[r2[t]] + s2[t] : -1;
        }
        CudaStorage rows = zeros(DType.I32, (long) topk * s);
        MoeKernels.rows(device(), stream(), e1.pointer(), e2.pointer(), sl1.pointer(), sl2.pointer(), asg.pointer(),
                rows.pointer(), s, e, topk);
        assertArrayEquals(toFloat(wantRows), download(rows, topk * s), "packed rows");
        // dispatch, a stand-in expert output y, combine
        CudaStorage buf = zeros(DType.F32, (long) rTotal * h);
        MoeKernels.dispatch(device(), stream(), DType.F32, shiftedDev.pointer(), rows.pointer(), buf.pointer(), s, h, topk);
        float[] wantBuf = new float[rTotal * h];
        for (int a = 0; a < topk * s; a++)
            if (wantRows[a] >= 0) System.arraycopy(shifted, (a % s) * h, wantBuf, wantRows[a] * h, h);
        close(wantBuf, download(buf, rTotal * h), 0, "dispatch buffer");
        float[] y = randn(rTotal * h, 1), dOut = randn(s * h, 1);
        CudaStorage dy = upload(y, DType.F32), out = zeros(DType.F32, (long) s * h);
        MoeKernels.combine(device(), stream(), DType.F32, dy.pointer(), rows.pointer(), weights.pointer(), out.pointer(), s, h, topk);
        // the CPU backend's combine: the same explicitly rounded products and sums, so the same bits
        dev.eve.core.tensor.Tensor rowsCpu = dev.eve.core.tensor.Tensor.of(wantRows, topk, s);
        float[] cpuOut = floats(cpu.moeCombine(dev.eve.core.tensor.Tensor.of(y, rTotal, h), rowsCpu,
                dev.eve.core.tensor.Tensor.of(wAll, topk, s)));
        close(cpuOut, download(out, s * h), 0, "combine");
        float[] wantDw = new float[topk * s], wantDy = new float[rTotal * h], wantDx = new float[s * h];
        for (int a = 0; a < topk * s; a++) {
            int r = wantRows[a], t = a % s;
            if (r < 0) continue;
            double dot = 0;
            for (int i = 0; i < h; i++) {
                dot += dOut[t * h + i] * y[r * h + i];
                wantDy[r * h + i] = wAll[a] * dOut[t * h + i];
            }
            wantDw[a] = (float) dot;
        }
        // backward
        CudaStorage gOut = upload(dOut, DType.F32), gy = zeros(DType.F32, (long) rTotal * h), gw = zeros(DType.F32, (long) topk * s),
                gx = zeros(DType.F32, (long) s * h);
        MoeKernels.combineBackward(device(), stream(), DType.F32, gOut.pointer(), dy.pointer(), rows.pointer(), weights.pointer(),
                gy.pointer(), gw.pointer(), s, h, topk);
        close(wantDy, download(gy, rTotal * h), 0, "dy");
        close(wantDw, download(gw, topk * s), 1e-4, "dWeights");
        MoeKernels.dispatchBackward(device(), stream(), DType.F32, gy.pointer(), rows.pointer(), gx.pointer(), s, h, topk, false);
        for (int a = 0; a < topk * s; a++)
            if (wantRows[a] >= 0) for (int i = 0; i < h; i++) wantDx[(a % s) * h + i] += wantDy[wantRows[a] * h + i];
        close(wantDx, download(gx, s * h), 1e-6, "dispatch backward");
        // gates backward: renormalisation + gather + l_aux + softmax, as autograd would do it in MoeLayer
        float dLaux = 0.37f;
        float[] dwAll = download(gw, topk * s), wantDl = new float[s * e];
        float[] dw1h = java.util.Arrays.copyOfRange(dwAll, 0, s), dw2h = topk == 2 ? java.util.Arrays.copyOfRange(dwAll, s, 2 * s) : new float[s];
        for (int t = 0; t < s; t++) {
            double[] dG = new double[e];
            for (int j = 0; j < e; j++) dG[j] = dLaux * e * ((double) counts[j] / s) / s;
            boolean k1 = s1[t] >= 0, k2 = topk == 2 && s2[t] >= 0;
            if (topk == 1) {
                if (k1) dG[r1[t]] += dw1h[t];
            } else {
                double g1 = k1 ? g[t * e + r1[t]] : 0, g2 = k2 ? g[t * e + r2[t]] : 0, sum = g1 + g2, den = Math.max(sum, GATE_EPS);
                double dsum = sum >= GATE_EPS ? -(dw1h[t] * g1 + dw2h[t] * g2) / (den * den) : 0;
                if (k1) dG[r1[t]] += dw1h[t] / den + dsum;
                if (k2) dG[r2[t]] += dw2h[t] / den + dsum;
            }
            double dot = 0;
            for (int j = 0; j < e; j++) dot += g[t * e + j] * dG[j];
            for (int j = 0; j < e; j++) wantDl[t * e + j] = (float) (g[t * e + j] * (dG[j] - dot));
        }
        CudaStorage dLa = upload(new float[] {dLaux}, DType.F32), dLogits = zeros(DType.F32, (long) s * e);
        MoeKernels.gatesBackward(device(), stream(), gates.pointer(), e1.pointer(), e2.pointer(), sl1.pointer(), sl2.pointer(),
                gw.pointer(), topk == 2 ? gw.pointer(s) : 0, cnt.pointer(), dLa.pointer(), dLogits.pointer(), s, e, topk, GATE_EPS);
        float[] dlg = download(dLogits, s * e);
        close(wantDl, dlg, 1e-4, "dlogits");
        // router backward: dshifted += dlogits . wg, dWg, embedding grads
        MoeKernels.routerBackwardInput(device(), stream(), DType.F32, dLogits.pointer(), dwg.pointer(), gx.pointer(), s, h, e, true);
        float[] dsh = download(gx, s * h);
        for (int t = 0; t < s; t++)
            for (int i = 0; i < h; i++) {
                double a = wantDx[t * h + i];
                for (int j = 0; j < e; j++) a += (double) dlg[t * e + j] * wg[j * h + i];
                wantDx[t * h + i] = (float) a;
            }
        close(wantDx, dsh, 1e-4, "dshifted");
        CudaStorage scratch = zeros(DType.F32, MoeKernels.paramGradScratchFloats(h, e)), gwg = zeros(DType.F32, (long) e * h),
                gve = zeros(DType.F32, h), gte = zeros(DType.F32, h);
        MoeKernels.paramGradients(device(), stream(), DType.F32, dLogits.pointer(), shiftedDev.pointer(),
                gx.pointer(), gwg.pointer(), gve.pointer(), gte.pointer(), scratch.pointer(), s, h, e, seq, visionTokens);
        float[] wantWg = new float[e * h], wantVe = new float[h], wantTe = new float[h];
        for (int t = 0; t < s; t++)
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < e; j++) wantWg[j * h + i] += dlg[t * e + j] * shifted[t * h + i];
                if ((t % seq) < visionTokens) wantVe[i] += dsh[t * h + i]; else wantTe[i] += dsh[t * h + i];
            }
        close(wantWg, download(gwg, e * h), 1e-3, "dWg");
        close(wantVe, download(gve, h), 1e-3, "dVisionEmbed");
        close(wantTe, download(gte, h), 1e-3, "dTextEmbed");
    }

    private static float[] toFloat(int[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }

    private static float[] toFloat(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }
}
