package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.CudaStorage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused attention kernels against the CPU backend's AttentionKernel. */
class AttentionKernelsGpuTest extends GpuKernelSupport {

    @BeforeEach
    void gpu() {
        assumeGpu();
    }

    private record Case(int b, int h, int nq, int nk, int d, float[] q, float[] k, float[] v, long[] mask) {
        Tensor qt() { return Tensor.of(q, b, h, nq, d); }
        Tensor kt() { return Tensor.of(k, b, h, nk, d); }
        Tensor vt() { return Tensor.of(v, b, h, nk, d); }
        Tensor maskT() { return mask == null ? null : Tensor.of(mask, b, nk); }
    }

    private Case make(int b, int h, int nq, int nk, int d, boolean masked, boolean emptyLastBatch, DType dtype) {
        long[] mask = null;
        if (masked || emptyLastBatch) {
            mask = new long[b * nk];
            for (int i = 0; i < b; i++)
                for (int j = 0; j < nk; j++)
                    mask[i * nk + j] = !masked || (j < nk - 3 * i - 1 && j % 7 != 3) ? 1 : 0;
            if (emptyLastBatch) java.util.Arrays.fill(mask, (b - 1) * nk, b * nk, 0);
        }
        return new Case(b, h, nq, nk, d, rounded(randn(b * h * nq * d, 1), dtype), rounded(randn(b * h * nk * d, 1), dtype),
                rounded(randn(b * h * nk * d, 1), dtype), mask);
    }

    @ParameterizedTest
    @CsvSource({"2,3,37,45,64,true,F32", "1,2,20,70,128,false,F32", "3,1,5,1,64,false,F32", "2,2,64,64,64,true,BF16",
            "2,1,70,100,64,true,BF16", "1,2,33,130,128,true,F16", "2,1,65,7,128,false,BF16", "1,1,200,197,64,true,F16"})
    void forwardMatchesCpu(int b, int h, int nq, int nk, int d, boolean masked, DType dtype) {
        Case c = make(b, h, nq, nk, d, masked, false, dtype);
        float scale = (float) (1 / Math.sqrt(d));
        Tensor[] ref = cpu.attention(c.qt(), c.kt(), c.vt(), c.maskT(), scale);
        for (boolean simt : new boolean[] {false, true}) {
            if (simt && dtype == DType.F32) continue; // F32 always runs the SIMT kernel
            float[][] got = forward(c, dtype, scale, true, simt);
            close(floats(ref[0]), got[0], tol(dtype), "attention out " + dtype + (simt ? " simt" : ""));
            close(floats(ref[1]), got[1], dtype == DType.F32 ? 1e-5 : 2e-3, "attention lse " + dtype);
        }
    }

    private float[][] forward(Case c, DType dtype, float scale, boolean emptyNan, boolean simt) {
        CudaStorage q = upload(c.q, dtype), k = upload(c.k, dtype), v = upload(c.v, dtype);
        CudaStorage mask = c.mask == null ? null : uploadLongs(c.mask, DType.I64);
        CudaStorage out = zeros(dtype, c.q.length), lse = zeros(DType.F32, (long) c.b * c.h * c.nq);
        if (simt)
            AttentionKernels.forwardSimt(device(), stream(), dtype, q.pointer(), k.pointer(), v.pointer(),
                    mask == null ? 0 : mask.pointer(), DType.I64, out.pointer(), lse.pointer(), c.b, c.h, c.nq, c.nk, c.d,
                    scale, emptyNan);
        else
            AttentionKernels.forward(device(), stream(), dtype, q.pointer(), k.pointer(), v.pointer(),
                    mask == null ? 0 : mask.pointer(), DType.I64, out.pointer(), lse.pointer(), c.b, c.h, c.nq, c.nk, c.d,
                    scale, emptyNan);
        return new float[][] {download(out, c.q.length), download(lse, c.b * c.h * c.nq)};
    }

    @Test
    void fullyMaskedRowsGiveNanOrZeros() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            Case c = make(2, 2, 20, 40, 64, true, true, dtype);
            float scale = 0.125f;
            Tensor[] ref = cpu.attention(c.qt(), c.kt(), c.vt(), c.maskT(), scale);
            float[][] nan = forward(c, dtype, scale, true, false);
            close(floats(ref[0]), nan[0], tol(dtype), "NaN mode matches the CPU (" + dtype + ")");
            float[][] zero = forward(c, dtype, scale, false, false);
            int rowsPerBatch = c.h * c.nq * c.d;
            for (int i = rowsPerBatch; i < 2 * rowsPerBatch; i++) assertEquals(0f, zero[0][i], "zero mode out");
            for (int i = c.h * c.nq; i < 2 * c.h * c.nq; i++) assertEquals(Float.NEGATIVE_INFINITY, zero[1][i], "zero mode lse");
        }
    }

    @ParameterizedTest
    @CsvSource({"2,3,37,45,64,true,F32", "1,2,20,70,128,false,F32", "2,1,50,33,128,true,F32", "2,2,40,64,64,true,BF16",
            "2,1,70,100,64,true,BF16", "1,2,64,64,64,false,F16", "1,1,65,130,128,true,F16", "2,1,20,7,128,false,BF16"})
    void backwardMatchesCpu(int b, int h, int nq, int nk, int d, boolean masked, DType dtype) {
        Case c = make(b, h, nq, nk, d, masked, false, dtype);
        float scale = (float) (1 / Math.sqrt(d));
        float[] gOut = rounded(randn(c.q.length, 1), dtype);
        Tensor[] fwd = cpu.attention(c.qt(), c.kt(), c.vt(), c.maskT(), scale);
        Tensor outR = Tensor.of(rounded(floats(fwd[0]), dtype), b, h, nq, d);
        Tensor[] ref = cpu.attentionBackward(c.qt(), c.kt(), c.vt(), c.maskT(), scale, outR, fwd[1], Tensor.of(gOut, b, h, nq, d));
        CudaStorage q = upload(c.q, dtype), k = upload(c.k, dtype), v = upload(c.v, dtype);
        CudaStorage mask = c.mask == null ? null : uploadLongs(c.mask, DType.I64);
        CudaStorage out = upload(floats(outR), dtype), lse = upload(floats(fwd[1]), DType.F32), go = upload(gOut, dtype);
        CudaStorage delta = zeros(DType.F32, (long) b * h * nq), dq = zeros(dtype, c.q.length), dk = zeros(dtype, c.k.length),
                dv = zeros(dtype, c.v.length);
        double t = dtype == DType.F32 ? 1e-3 : dtype == DType.BF16 ? 6e-2 : 1.5e-2;
        for (boolean simt : new boolean[] {false, true}) {
            if (simt && dtype == DType.F32) continue; // F32 always runs the SIMT kernels
            backward(c, dtype, simt, q, k, v, mask, out, lse, go, delta, dq, dk, dv, scale);
            String how = dtype + (simt ? " simt" : "");
            close(floats(ref[0]), download(dq, c.q.length), t, "dq " + how);
            close(floats(ref[1]), download(dk, c.k.length), t, "dk " + how);
            close(floats(ref[2]), download(dv, c.v.length), t, "dv " + how);
            // deterministic (no atomics)
            float[] first = download(dk, c.k.length);
            backward(c, dtype, simt, q, k, v, mask, out, lse, go, delta, dq, dk, dv, scale);
            assertArrayEquals(first, download(dk, c.k.length), "dk run to run " + how);
        }
    }

    private static void backward(Case c, DType dtype, boolean simt, CudaStorage q, CudaStorage k, CudaStorage v,
                                 CudaStorage mask, CudaStorage out, CudaStorage lse, CudaStorage go, CudaStorage delta,
                                 CudaStorage dq, CudaStorage dk, CudaStorage dv, float scale) {
        if (simt)
            AttentionKernels.backwardSimt(device(), stream(), dtype, q.pointer(), k.pointer(), v.pointer(),
                    mask == null ? 0 : mask.pointer(), DType.I64, out.pointer(), lse.pointer(), go.pointer(), delta.pointer(),
                    dq.pointer(), dk.pointer(), dv.pointer(), c.b, c.h, c.nq, c.nk, c.d, scale);
        else
            AttentionKernels.backward(device(), stream(), dtype, q.pointer(), k.pointer(), v.pointer(),
                    mask == null ? 0 : mask.pointer(), DType.I64, out.pointer(), lse.pointer(), go.pointer(), delta.pointer(),
                    dq.pointer(), dk.pointer(), dv.pointer(), c.b, c.h, c.nq, c.nk, c.d, scale);
    }

    @Test
    void backwardOfAnEmptyRowIsZeroNotNan() {
        Case c = make(2, 1, 10, 40, 64, true, true, DType.F32);
        float scale = 0.125f;
        float[][] f = forward(c, DType.F32, scale, true, false);
        CudaStorage q = upload(c.q, DType.F32), k = upload(c.k, DType.F32), v = upload(c.v, DType.F32),
                mask = uploadLongs(c.mask, DType.I64), out = upload(f[0], DType.F32), lse = upload(f[1], DType.F32),
                go = upload(randn(c.q.length, 1), DType.F32), delta = zeros(DType.F32, 20), dq = zeros(DType.F32, c.q.length),
                dk = zeros(DType.F32, c.k.length), dv = zeros(DType.F32, c.v.length);
        AttentionKernels.backward(device(), stream(), DType.F32, q.pointer(), k.pointer(), v.pointer(), mask.pointer(),
                DType.I64, out.pointer(), lse.pointer(), go.pointer(), delta.pointer(), dq.pointer(), dk.pointer(),
                dv.pointer(), 2, 1, 10, 40, 64, scale);
        float[] gq = download(dq, c.q.length), gk = download(dk, c.k.length);
        for (int i = 0; i < gq.length; i++) assertTrue(Float.isFinite(gq[i]), "dq finite");
        for (int i = 10 * 64; i < 20 * 64; i++) assertEquals(0f, gq[i], "dq of the empty batch");
        for (int i = 40 * 64; i < 80 * 64; i++) assertEquals(0f, gk[i], "dk of the empty batch");
    }
}
