package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;

/**
 * Launchers of {@code native/softmax.cu}: softmax / log-softmax over the last dim of a contiguous
 * [rows, cols] matrix and their backward. All buffers are of {@code dtype} (F32, BF16 or F16); math
 * in F32.
 */
public final class SoftmaxKernels {

    static final String FILE = "softmax.cu";
    /** Rows up to this width get one warp each (8 per block); wider rows one 256-thread block each. */
    static final int WARP_ROW_LIMIT = 1024;

    private SoftmaxKernels() {}

    /** y = softmax(x) (or log-softmax when {@code log}) row by row; x, y: [rows, cols]. */
    public static void forward(CudaDevice device, CudaStream stream, DType dtype, long x, long y,
                               int rows, int cols, boolean log) {
        Launch.checkNonNegative("softmax", rows, cols);
        if (rows == 0 || cols == 0) return;
        boolean warp = cols <= WARP_ROW_LIMIT;
        String name = "eve_softmax_" + (warp ? "warp" : "block") + "_fwd_" + Launch.suffix(dtype);
        Launch.function(device, FILE, name).launch(warp ? Launch.ceilDiv(rows, 8) : rows, 1, 1, 256, 1, 1, 0, stream,
                KernelArgs.of().ptr(x).ptr(y).i32(rows).i32(cols).i32(log ? 1 : 0));
    }

    /** dx from the forward's output y and the gradient g; y, g, dx: [rows, cols]. */
    public static void backward(CudaDevice device, CudaStream stream, DType dtype, long y, long grad, long dx,
                                int rows, int cols, boolean log) {
        Launch.checkNonNegative("softmax backward", rows, cols);
        if (rows == 0 || cols == 0) return;
        boolean warp = cols <= WARP_ROW_LIMIT;
        String name = "eve_softmax_" + (warp ? "warp" : "block") + "_bwd_" + Launch.suffix(dtype);
        Launch.function(device, FILE, name).launch(warp ? Launch.ceilDiv(rows, 8) : rows, 1, 1, 256, 1, 1, 0, stream,
                KernelArgs.of().ptr(y).ptr(grad).ptr(dx).i32(rows).i32(cols).i32(log ? 1 : 0));
    }
}
