package dev.eve.core.backend.cpu;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;
import dev.eve.core.tensor.Tensor;

import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;

/** The pure-Java CPU backend: heap arrays, the Vector API and one fork-join pool ({@link Parallel}). */
public final class CpuBackend implements Backend {

    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public String toString() {
        return "cpu (" + Parallel.threads() + " threads, " + VectorMath.LANES * 32 + "-bit vectors)";
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Storage allocate(DType dtype, int numel) {
        return CpuStorage.allocate(dtype, numel);
    }

    @Override
    public Storage fromFloats(float[] data, DType dtype) {
        if (dtype == DType.F32) return CpuStorage.wrap(data.clone());
        CpuStorage s = CpuStorage.allocate(dtype, data.length);
        for (int i = 0; i < data.length; i++) s.setDouble(i, data[i]);
        return s;
    }

    @Override
    public Storage fromLongs(long[] data, DType dtype) {
        if (dtype == DType.I64) return CpuStorage.wrap(data.clone());
        CpuStorage s = CpuStorage.allocate(dtype, data.length);
        for (int i = 0; i < data.length; i++) s.setLong(i, data[i]);
        return s;
    }

    @Override
    public float[] toFloatArray(Tensor t) {
        if (t.dtype() == DType.F32 && t.isContiguous()) {
            float[] a = storage(t).floats();
            if (t.offset() == 0 && a.length == t.numel()) return a.clone();
            return java.util.Arrays.copyOfRange(a, t.offset(), t.offset() + t.numel());
        }
        Tensor f = empty(DType.F32, t.shape());
        ElementwiseKernels.copy(t, f);
        return storage(f).floats();
    }

    @Override
    public long[] toLongArray(Tensor t) {
        Tensor l = empty(DType.I64, t.shape());
        ElementwiseKernels.copy(t, l);
        return storage(l).longs();
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        ElementwiseKernels.copy(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        ElementwiseKernels.fill(dst, value);
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        return ElementwiseKernels.unary(op, x);
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor grad) {
        return ElementwiseKernels.unaryBackward(op, x, y, grad);
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        return ElementwiseKernels.binary(op, a, b);
    }

    @Override
    public Tensor binaryScalar(BinaryOp op, Tensor a, double s, boolean scalarFirst) {
        return ElementwiseKernels.binaryScalarOp(op, a, s, scalarFirst);
    }

    @Override
    public void addInPlace(Tensor a, Tensor b, float alpha) {
        ElementwiseKernels.addInPlace(a, b, alpha);
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        return ElementwiseKernels.where(cond, a, b);
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] dims) {
        return ReductionKernels.reduce(op, x, dims);
    }

    @Override
    public Tensor argReduce(boolean max, Tensor x, int dim) {
        return ReductionKernels.argReduce(max, x, dim);
    }

    @Override
    public Tensor cumsum(Tensor x, int dim) {
        return ReductionKernels.cumsum(x, dim);
    }

    @Override
    public Tensor[] topk(Tensor x, int k, int dim, boolean largest) {
        return ReductionKernels.topk(x, k, dim, largest);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public Tensor matmul(Tensor a, Tensor b, float alpha) {
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        Tensor y = empty(DType.F32, new int[] {batch, m, n});
        if (m == 0 || n == 0) return y;
        GemmOperand ga = GemmOperand.of(a), gb = GemmOperand.of(b);
        float[] ys = storage(y).floats();
        long flops = 2L * m * n * k;
        if (batch == 1) {
            Sgemm.sgemm(ga.trans, gb.trans, m, n, k, alpha, ga.data, ga.offset, ga.ld, gb.data, gb.offset, gb.ld, 0f, ys, 0, n);
        } else if (flops >= 1L << 24 || batch < Parallel.threads()) {
            // Large matrices: parallelism inside each GEMM.
            for (int i = 0; i < batch; i++)
                Sgemm.sgemm(ga.trans, gb.trans, m, n, k, alpha, ga.data, ga.offset + i * ga.batchStride, ga.ld,
                        gb.data, gb.offset + i * gb.batchStride, gb.ld, 0f, ys, i * m * n, n);
        } else {
            // Many small matrices (attention heads): one sequential GEMM per task.
            Parallel.forRange(batch, 1, (s, e) -> {
                for (int i = s; i < e; i++)
                    Sgemm.sgemmSequential(ga.trans, gb.trans, m, n, k, alpha, ga.data, ga.offset + i * ga.batchStride, ga.ld,
                            gb.data, gb.offset + i * gb.batchStride, gb.ld, 0f, ys, i * m * n, n);
            });
        }
        return y;
    }

    /** A [batch, rows, cols] operand as BLAS sees it: data, offset, leading dim, transposed or not. */
    private record GemmOperand(float[] data, int offset, int ld, boolean trans, int batchStride) {
        static GemmOperand of(Tensor t) {
            int rows = t.size(1), cols = t.size(2);
            int[] st = t.strides();
            if ((cols == 1 || st[2] == 1) && (rows == 1 || st[1] >= cols))
                return new GemmOperand(storage(t).floats(), t.offset(), rows == 1 ? Math.max(cols, 1) : st[1], false, st[0]);
            if ((rows == 1 || st[1] == 1) && (cols == 1 || st[2] >= rows))
                return new GemmOperand(storage(t).floats(), t.offset(), cols == 1 ? Math.max(rows, 1) : st[2], true, st[0]);
            Tensor c = t.contiguous();
            return new GemmOperand(storage(c).floats(), c.offset(), Math.max(cols, 1), false, rows * cols);
        }
    }

    // ---------------------------------------------------------------- fused rows

    @Override
    public Tensor softmax(Tensor x, boolean log) {
        return RowKernels.softmax(x.contiguous(), log);
    }

    @Override
    public Tensor softmaxBackward(Tensor y, Tensor grad, boolean log) {
        return RowKernels.softmaxBackward(y.contiguous(), grad.contiguous(), log);
    }

    @Override
    public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return RowKernels.layerNorm(x.contiguous(), weight, bias, eps);
    }

    @Override
    public Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean hasBias) {
        return RowKernels.layerNormBackward(grad.contiguous(), x.contiguous(), mean.contiguous(), rstd.contiguous(), weight, hasBias);
    }

    @Override
    public Tensor[] attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale) {
        return AttentionKernel.forward(q.contiguous(), k.contiguous(), v.contiguous(), keyMask, scale);
    }

    @Override
    public Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale,
                                     Tensor out, Tensor logsumexp, Tensor gradOut) {
        return AttentionKernel.backward(q.contiguous(), k.contiguous(), v.contiguous(), keyMask, scale,
                out.contiguous(), logsumexp.contiguous(), gradOut.contiguous());
    }

    @Override
    public Tensor[] maskedCrossEntropyForward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets) {
        return MaskedPredictionKernels.forward(hidden.contiguous(), weight.contiguous(),
                bias == null ? null : bias.contiguous(), targets);
    }

    @Override
    public Tensor[] maskedCrossEntropyBackward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Tensor lse,
                                               Tensor rowGrad, boolean needHidden, boolean needWeight, boolean needBias) {
        return MaskedPredictionKernels.backward(hidden.contiguous(), weight.contiguous(),
                bias == null ? null : bias.contiguous(), targets, lse.contiguous(), rowGrad.contiguous(),
                needHidden, needWeight, needBias && bias != null);
    }

    // ---------------------------------------------------------------- mixture of experts

    @Override
    public Tensor moeDispatch(Tensor tokens, Tensor rows, int outRows) {
        return MoeDispatchKernels.dispatch(tokens, rows, outRows);
    }

    @Override
    public Tensor moeCombine(Tensor y, Tensor rows, Tensor weights) {
        return MoeDispatchKernels.combine(y, rows, weights);
    }

    @Override
    public Tensor[] moeCombineBackward(Tensor grad, Tensor y, Tensor rows, Tensor weights, boolean weightGrad) {
        return MoeDispatchKernels.combineBackward(grad, y, rows, weights, weightGrad);
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        return IndexKernels.indexSelect(x, dim, index);
    }

    @Override
    public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        IndexKernels.indexAdd(dst, dim, index, src);
    }

    @Override
    public Tensor gather(Tensor x, int dim, Tensor index) {
        return IndexKernels.gather(x, dim, index);
    }

    @Override
    public void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate) {
        IndexKernels.scatter(dst, dim, index, src, accumulate);
    }

    // ---------------------------------------------------------------- convolution

    @Override
    public Tensor unfold2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        return ConvKernels.unfold(x, kh, kw, sh, sw, ph, pw, dh, dw);
    }

    @Override
    public Tensor fold2d(Tensor cols, int channels, int height, int width,
                         int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        return ConvKernels.fold(cols, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw);
    }

    // ---------------------------------------------------------------- optimizer

    @Override
    public void adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq,
                          double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
        OptimizerKernels.adamw(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, step);
    }
}
