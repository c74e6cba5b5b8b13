package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.CudaStorage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Masked-prediction cross-entropy (vs the CPU backend) and the normalised-pixel MSE (vs a direct loop). */
class MaskedLossKernelsGpuTest extends GpuKernelSupport {

    @BeforeEach
    void gpu() {
        assumeGpu();
    }

    @ParameterizedTest
    @CsvSource({"70,40,150,true,64,F32", "5,17,64,false,128,F32", "129,64,333,true,192,F32", "300,96,5000,true,4096,F32",
            "64,64,1000,true,256,BF16"})
    void crossEntropyForwardAndBackward(int n, int h, int vocab, boolean bias, int chunk, DType dtype) {
        float[] hid = rounded(randn(n * h, 1), dtype), w = rounded(randn(vocab * h, 0.3), dtype),
                b = rounded(randn(vocab, 1), dtype), rowGrad = randn(n, 1);
        long[] targets = new long[n];
        for (int i = 0; i < n; i++) targets[i] = (i * 7919L + 13) % vocab;
        Tensor ht = Tensor.of(hid, n, h), wt = Tensor.of(w, vocab, h), bt = bias ? Tensor.of(b, vocab) : null,
                tt = Tensor.of(targets, n);
        Tensor[] ref = cpu.maskedCrossEntropyForward(ht, wt, bt, tt);
        CudaStorage dh = upload(hid, dtype), dw = upload(w, dtype), db = upload(b, dtype), dt = uploadLongs(targets, DType.I64);
        CudaStorage loss = zeros(DType.F32, n), lse = zeros(DType.F32, n),
                scratch = zeros(DType.F32, MaskedLossKernels.forwardScratchFloats(n, vocab));
        MaskedLossKernels.crossEntropyForward(device(), stream(), dtype, dh.pointer(), dw.pointer(), bias ? db.pointer() : 0,
                dt.pointer(), loss.pointer(), lse.pointer(), scratch.pointer(), n, h, vocab);
        double t = dtype == DType.F32 ? 1e-4 : 2e-3;
        close(floats(ref[0]), download(loss, n), t, "loss");
        close(floats(ref[1]), download(lse, n), t, "lse");

        Tensor[] gref = cpu.maskedCrossEntropyBackward(ht, wt, bt, tt, ref[1], Tensor.of(rowGrad, n), true, true, bias);
        CudaStorage rg = upload(rowGrad, DType.F32), gh = zeros(DType.F32, (long) n * h), gw = zeros(DType.F32, (long) vocab * h),
                gb = zeros(DType.F32, vocab), bscratch = zeros(DType.F32, MaskedLossKernels.backwardScratchFloats(n, vocab, chunk));
        MaskedLossKernels.crossEntropyBackward(device(), stream(), dtype, dh.pointer(), dw.pointer(), bias ? db.pointer() : 0,
                dt.pointer(), lse.pointer(), rg.pointer(), gh.pointer(), gw.pointer(), bias ? gb.pointer() : 0,
                bscratch.pointer(), chunk, n, h, vocab);
        double tg = dtype == DType.F32 ? 1e-3 : 1e-2;
        close(floats(gref[0]), download(gh, n * h), tg, "dHidden");
        close(floats(gref[1]), download(gw, vocab * h), tg, "dWeight");
        if (bias) close(floats(gref[2]), download(gb, vocab), tg, "dBias");
        float[] first = download(gw, vocab * h);
        MaskedLossKernels.crossEntropyBackward(device(), stream(), dtype, dh.pointer(), dw.pointer(), bias ? db.pointer() : 0,
                dt.pointer(), lse.pointer(), rg.pointer(), gh.pointer(), gw.pointer(), bias ? gb.pointer() : 0,
                bscratch.pointer(), chunk, n, h, vocab);
        assertArrayEquals(first, download(gw, vocab * h), "dWeight run to run");
    }

    @ParameterizedTest
    @CsvSource({"50,48,true,F32", "7,768,false,F32", "196,768,true,F32", "33,192,true,BF16"})
    void normalisedPixelMse(int patches, int dim, boolean normPix, DType dtype) {
        float[] pred = rounded(randn(patches * dim, 1), dtype), target = rounded(randn(patches * dim, 2), dtype);
        boolean[] mask = new boolean[patches];
        long[] maskL = new long[patches];
        int count = 0;
        for (int p = 0; p < patches; p++) {
            mask[p] = p % 3 != 1;
            maskL[p] = mask[p] ? 1 : 0;
            if (mask[p]) count++;
        }
        // Reference, as PretrainModel.mimLoss with Patches.normalized (unbiased variance, eps 1e-6).
        float[] perPatch = new float[patches], dPred = new float[patches * dim];
        double total = 0;
        float grad = 0.7f;
        for (int p = 0; p < patches; p++) {
            double mu = 0, var = 0;
            for (int i = 0; i < dim; i++) mu += target[p * dim + i];
            mu /= dim;
            for (int i = 0; i < dim; i++) var += (target[p * dim + i] - mu) * (target[p * dim + i] - mu);
            var /= dim - 1;
            double inv = normPix ? 1 / Math.sqrt(var + 1e-6) : 1, m0 = normPix ? mu : 0, s = 0;
            for (int i = 0; i < dim; i++) {
                double e = pred[p * dim + i] - (target[p * dim + i] - m0) * inv;
                s += e * e;
                dPred[p * dim + i] = mask[p] ? (float) (grad / count * 2 * e / dim) : 0f;
            }
            perPatch[p] = (float) (s / dim);
            if (mask[p]) total += s / dim;
        }
        CudaStorage dp = upload(pred, dtype), dtg = upload(target, dtype), dm = uploadLongs(maskL, DType.BOOL),
                pp = zeros(DType.F32, patches), loss = zeros(DType.F32, 1), cnt = zeros(DType.F32, 1),
                g = upload(new float[] {grad}, DType.F32), dpred = zeros(dtype, (long) patches * dim);
        MaskedLossKernels.mimForward(device(), stream(), dtype, dp.pointer(), dtg.pointer(), dm.pointer(), DType.BOOL,
                pp.pointer(), loss.pointer(), cnt.pointer(), patches, dim, normPix, 1e-6f);
        close(perPatch, download(pp, patches), 1e-4, "per-patch mse");
        assertEquals(count, download(cnt, 1)[0], "masked count");
        close(new float[] {(float) (total / count)}, download(loss, 1), 1e-5, "loss");
        MaskedLossKernels.mimBackward(device(), stream(), dtype, dp.pointer(), dtg.pointer(), dm.pointer(), DType.BOOL,
                g.pointer(), cnt.pointer(), dpred.pointer(), patches, dim, normPix, 1e-6f);
        close(dPred, download(dpred, patches * dim), dtype == DType.F32 ? 1e-4 : 2e-2, "dpred");
    }
}
