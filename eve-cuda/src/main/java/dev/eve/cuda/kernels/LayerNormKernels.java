package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;

/**
 * Launchers of {@code native/layernorm.cu}: y = LN(x [+ r]) * weight + bias over the last dim, with
 * biased variance. Activations (x, r, y, sum, grads of them) are of {@code dtype}; weight, bias, mean,
 * rstd and the parameter gradients are F32. Pass 0 for an absent pointer.
 */
public final class LayerNormKernels {

    static final String FILE = "layernorm.cu";
    /** Most blocks of the backward, hence rows of the partial dweight/dbias buffers. */
    static final int MAX_BACKWARD_BLOCKS = 512;

    private LayerNormKernels() {}

    /**
     * x, residual (or 0), y, sumOut (or 0; written only with a residual): [rows, cols] of dtype;
     * weight, bias (or 0): [cols] F32; mean, rstd (or 0): [rows] F32.
     */
    public static void forward(CudaDevice device, CudaStream stream, DType dtype, long x, long residual, long weight,
                               long bias, long y, long sumOut, long mean, long rstd, int rows, int cols, float eps) {
        Launch.checkNonNegative("layer norm", rows, cols);
        if (rows == 0 || cols == 0) return;
        Launch.function(device, FILE, "eve_layernorm_fwd_" + Launch.suffix(dtype)).launch(
                Launch.ceilDiv(rows, 8), 1, 1, 256, 1, 1, 0, stream,
                KernelArgs.of().ptr(x).ptr(residual).ptr(weight).ptr(bias).ptr(y).ptr(sumOut).ptr(mean).ptr(rstd)
                        .i32(rows).i32(cols).f32(eps));
    }

    /** Blocks of the backward for {@code rows} rows: the number of partial rows it writes. */
    public static int backwardBlocks(int rows) {
        return Math.max(1, Math.min(MAX_BACKWARD_BLOCKS, Launch.ceilDiv(rows, 8)));
    }

    /** F32 elements of one partial buffer (partW or partB) of the backward. */
    public static long partialFloats(int rows, int cols) {
        return (long) backwardBlocks(rows) * cols;
    }

    /**
     * grad, x (the normalised input: x + r when a residual was added), dSum (or 0: gradient reaching the
     * residual output, added to dx), dx: [rows, cols] of dtype; mean, rstd [rows] F32; weight [cols] F32
     * or 0. dWeight / dBias (or 0) [cols] F32, each with its F32 scratch partW / partB of
     * {@link #partialFloats} elements (0 when the gradient is not wanted).
     */
    public static void backward(CudaDevice device, CudaStream stream, DType dtype, long grad, long x, long mean,
                                long rstd, long weight, long dSum, long dx, long partW, long partB, long dWeight,
                                long dBias, int rows, int cols) {
        Launch.checkNonNegative("layer norm backward", rows, cols);
        if (cols == 0) return;
        if ((dWeight != 0) != (partW != 0) || (dBias != 0) != (partB != 0))
            throw new IllegalArgumentException("layer norm backward: dWeight/dBias need their partial buffers");
        int blocks = backwardBlocks(rows);
        if (rows > 0)
            Launch.function(device, FILE, "eve_layernorm_bwd_" + Launch.suffix(dtype)).launch(
                    blocks, 1, 1, 256, 1, 1, 0, stream,
                    KernelArgs.of().ptr(grad).ptr(x).ptr(mean).ptr(rstd).ptr(weight).ptr(dSum).ptr(dx)
                            .ptr(partW).ptr(partB).i32(rows).i32(cols));
        if (dWeight != 0 || dBias != 0) {
            // rows == 0: the kernel did not run; reduce over zero partials writes zeros.
            Launch.function(device, FILE, "eve_layernorm_bwd_reduce").launch(Launch.ceilDiv(cols, 256), 1, 1, 256, 1, 1,
                    0, stream, KernelArgs.of().ptr(partW).ptr(partB).ptr(dWeight).ptr(dBias)
                            .i32(rows > 0 ? blocks : 0).i32(cols));
        }
    }
}
