package dev.eve.cuda.kernels;

import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.CudaStorage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Softmax, layer norm, the GELU family and multi-tensor AdamW on the GPU against the CPU backend. */
class RowKernelsGpuTest extends GpuKernelSupport {

    @BeforeEach
    void gpu() {
        assumeGpu();
    }

    @ParameterizedTest
    @CsvSource({"7,50,F32", "13,1,F32", "3,1500,F32", "5,4097,F32", "9,77,BF16", "4,2000,F16"})
    void softmaxAndLogSoftmax(int rows, int cols, DType dtype) {
        for (boolean log : new boolean[] {false, true}) {
            float[] x = rounded(randn(rows * cols, 3), dtype);
            if (rows > 2) java.util.Arrays.fill(x, 2 * cols, 3 * cols, Float.NEGATIVE_INFINITY); // NaN row, as the CPU
            float[] g = rounded(randn(rows * cols, 1), dtype);
            Tensor xc = Tensor.of(x, rows, cols);
            Tensor y = cpu.softmax(xc, log);
            CudaStorage dx = upload(x, dtype), dy = zeros(dtype, (long) rows * cols), dg = upload(g, dtype),
                    dgx = zeros(dtype, (long) rows * cols);
            SoftmaxKernels.forward(device(), stream(), dtype, dx.pointer(), dy.pointer(), rows, cols, log);
            float[] gy = download(dy, rows * cols);
            close(floats(y), gy, tol(dtype), "softmax log=" + log);
            // backward from the GPU's own y (as the op layer would), reference on the same y
            Tensor yg = Tensor.of(gy, rows, cols);
            Tensor gx = cpu.softmaxBackward(yg, Tensor.of(g, rows, cols), log);
            SoftmaxKernels.backward(device(), stream(), dtype, dy.pointer(), dg.pointer(), dgx.pointer(), rows, cols, log);
            close(floats(gx), download(dgx, rows * cols), tol(dtype) * 4, "softmax backward log=" + log);
        }
    }

    @ParameterizedTest
    @CsvSource({"21,100,false,true,F32", "19,768,true,true,F32", "9,33,false,false,F32", "1000,64,true,true,F32",
            "17,1024,true,true,BF16", "5,768,false,true,F16"})
    void layerNormWithResidual(int rows, int cols, boolean residual, boolean affine, DType dtype) {
        float[] x = rounded(randn(rows * cols, 1), dtype), r = rounded(randn(rows * cols, 1), dtype);
        for (int i = 0; i < x.length; i++) x[i] += 3; // a mean far from 0: the two-pass variance matters
        x = rounded(x, dtype);
        float[] w = randn(cols, 1), b = randn(cols, 1), g = rounded(randn(rows * cols, 1), dtype),
                ds = rounded(randn(rows * cols, 1), dtype);
        float[] sum = x.clone();
        if (residual) for (int i = 0; i < sum.length; i++) sum[i] = x[i] + r[i];
        sum = rounded(sum, dtype);
        Tensor in = Tensor.of(sum, rows, cols), wt = affine ? Tensor.of(w, cols) : null, bt = affine ? Tensor.of(b, cols) : null;
        Tensor[] ref = cpu.layerNorm(in, wt, bt, 1e-5f);
        CudaStorage gx = upload(x, dtype), gr = upload(r, dtype), gw = upload(w, DType.F32), gb = upload(b, DType.F32);
        CudaStorage y = zeros(dtype, (long) rows * cols), s = zeros(dtype, (long) rows * cols), mean = zeros(DType.F32, rows),
                rstd = zeros(DType.F32, rows);
        LayerNormKernels.forward(device(), stream(), dtype, gx.pointer(), residual ? gr.pointer() : 0,
                affine ? gw.pointer() : 0, affine ? gb.pointer() : 0, y.pointer(), residual ? s.pointer() : 0,
                mean.pointer(), rstd.pointer(), rows, cols, 1e-5f);
        close(floats(ref[0]), download(y, rows * cols), tol(dtype), "layer norm y");
        close(floats(ref[1]), download(mean, rows), 1e-5, "mean");
        close(floats(ref[2]), download(rstd, rows), 1e-4, "rstd");
        if (residual) close(sum, download(s, rows * cols), 0, "x + r");
        // backward
        Tensor[] gref = cpu.layerNormBackward(Tensor.of(g, rows, cols), in, ref[1], ref[2], wt, affine);
        float[] want = floats(gref[0]);
        if (residual) for (int i = 0; i < want.length; i++) want[i] += ds[i];
        long parts = LayerNormKernels.partialFloats(rows, cols);
        CudaStorage dg = upload(g, dtype), dsum = upload(ds, dtype), dx = zeros(dtype, (long) rows * cols),
                pw = zeros(DType.F32, parts), pb = zeros(DType.F32, parts), dw = zeros(DType.F32, cols), db = zeros(DType.F32, cols);
        LayerNormKernels.backward(device(), stream(), dtype, dg.pointer(), residual ? s.pointer() : gx.pointer(),
                mean.pointer(), rstd.pointer(), affine ? gw.pointer() : 0, residual ? dsum.pointer() : 0, dx.pointer(),
                affine ? pw.pointer() : 0, affine ? pb.pointer() : 0, affine ? dw.pointer() : 0, affine ? db.pointer() : 0,
                rows, cols);
        close(want, download(dx, rows * cols), tol(dtype) * 4, "layer norm dx");
        if (affine) {
            close(floats(gref[1]), download(dw, cols), 1e-3, "dweight");
            close(floats(gref[2]), download(db, cols), 1e-3, "dbias");
            // deterministic: a second run gives the same bits
            float[] first = download(dw, cols);
            LayerNormKernels.backward(device(), stream(), dtype, dg.pointer(), residual ? s.pointer() : gx.pointer(),
                    mean.pointer(), rstd.pointer(), gw.pointer(), residual ? dsum.pointer() : 0, dx.pointer(),
                    pw.pointer(), pb.pointer(), dw.pointer(), db.pointer(), rows, cols);
            assertArrayEquals(first, download(dw, cols), "dweight run to run");
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"GELU_ERF", "GELU_TANH", "QUICK_GELU"})
    void geluFamily(UnaryOp op) {
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            int n = 3001;
            float[] x = rounded(randn(n, 3), dtype), g = rounded(randn(n, 1), dtype);
            Tensor xt = Tensor.of(x, n);
            Tensor y = cpu.unary(op, xt);
            Tensor gx = cpu.unaryBackward(op, xt, y, Tensor.of(g, n));
            CudaStorage dx = upload(x, dtype), dy = zeros(dtype, n), dg = upload(g, dtype), dgx = zeros(dtype, n);
            ActivationKernels.forward(device(), stream(), dtype, op, dx.pointer(), dy.pointer(), n);
            ActivationKernels.backward(device(), stream(), dtype, op, dx.pointer(), dg.pointer(), dgx.pointer(), n);
            double t = dtype == DType.F32 ? 1e-5 : tol(dtype);
            close(floats(y), download(dy, n), t, op + " " + dtype);
            close(floats(gx), download(dgx, n), t, op + " backward " + dtype);
        }
    }

    @org.junit.jupiter.api.Test
    void multiTensorAdamWMatchesTheCpuStep() {
        int[] sizes = {5, 0, 5000, 1, 4097, 70000};
        double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
        long step = 7;
        int count = sizes.length;
        long[] offsets = new long[count + 1];
        for (int t = 0; t < count; t++) offsets[t + 1] = offsets[t] + sizes[t];
        long[][] ptrs = new long[4][count];
        float[][][] host = new float[4][count][];
        CudaStorage[][] dev = new CudaStorage[4][count];
        for (int t = 0; t < count; t++) {
            host[0][t] = randn(sizes[t], 1);
            host[1][t] = randn(sizes[t], 1);
            host[2][t] = randn(sizes[t], 0.1);
            host[3][t] = randn(sizes[t], 0.1);
            for (int i = 0; i < sizes[t]; i++) host[3][t][i] *= host[3][t][i];
            for (int a = 0; a < 4; a++) {
                dev[a][t] = upload(host[a][t].length == 0 ? new float[1] : host[a][t], DType.F32);
                ptrs[a][t] = dev[a][t].pointer();
            }
        }
        CudaStorage[] lists = new CudaStorage[4];
        for (int a = 0; a < 4; a++) lists[a] = uploadLongs(ptrs[a], DType.I64);
        CudaStorage off = uploadLongs(offsets, DType.I64);
        AdamWKernels.step(device(), stream(), lists[0].pointer(), lists[1].pointer(), lists[2].pointer(), lists[3].pointer(),
                off.pointer(), count, offsets[count], 0, lr, b1, b2, eps, wd, step);
        for (int t = 0; t < count; t++) {
            if (sizes[t] == 0) continue;
            Tensor p = Tensor.of(host[0][t].clone(), sizes[t]), g = Tensor.of(host[1][t], sizes[t]),
                    m = Tensor.of(host[2][t].clone(), sizes[t]), v = Tensor.of(host[3][t].clone(), sizes[t]);
            cpu.adamwStep(p, g, m, v, lr, b1, b2, eps, wd, step);
            // explicitly rounded operations on both sides: equal up to the CPU's vector sqrt/div (1 ulp)
            close(floats(p), download(dev[0][t], sizes[t]), 1e-6, "param " + t);
            close(floats(m), download(dev[2][t], sizes[t]), 1e-6, "exp_avg " + t);
            close(floats(v), download(dev[3][t], sizes[t]), 1e-6, "exp_avg_sq " + t);
        }
    }
}
