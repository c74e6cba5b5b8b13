package dev.eve.cuda.kernels;

import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;

/**
 * Launchers of {@code native/activation.cu}: GELU (erf), GELU (tanh) and QuickGELU, forward and
 * backward, over {@code n} contiguous elements of {@code dtype}.
 */
public final class ActivationKernels {

    static final String FILE = "activation.cu";
    private static final int BLOCK = 256;
    /** Grid cap: the kernels loop (grid-stride) beyond it. */
    private static final int MAX_BLOCKS = 65536;

    private ActivationKernels() {}

    /** True for the ops these kernels implement. */
    public static boolean supports(UnaryOp op) {
        return op == UnaryOp.GELU_ERF || op == UnaryOp.GELU_TANH || op == UnaryOp.QUICK_GELU;
    }

    static int code(UnaryOp op) {
        return switch (op) {
            case GELU_ERF -> 0;
            case GELU_TANH -> 1;
            case QUICK_GELU -> 2;
            default -> throw new IllegalArgumentException("no fused activation kernel for " + op);
        };
    }

    /** y = op(x). */
    public static void forward(CudaDevice device, CudaStream stream, DType dtype, UnaryOp op, long x, long y, long n) {
        Launch.checkNonNegative("activation", n);
        int code = code(op);
        if (n == 0) return;
        Launch.function(device, FILE, "eve_activation_fwd_" + Launch.suffix(dtype)).launch(
                Math.min(MAX_BLOCKS, Launch.ceilDiv(n, BLOCK)), 1, 1, BLOCK, 1, 1, 0, stream,
                KernelArgs.of().ptr(x).ptr(y).i64(n).i32(code));
    }

    /** dx = grad * op'(x). */
    public static void backward(CudaDevice device, CudaStream stream, DType dtype, UnaryOp op, long x, long grad,
                                long dx, long n) {
        Launch.checkNonNegative("activation backward", n);
        int code = code(op);
        if (n == 0) return;
        Launch.function(device, FILE, "eve_activation_bwd_" + Launch.suffix(dtype)).launch(
                Math.min(MAX_BLOCKS, Launch.ceilDiv(n, BLOCK)), 1, 1, BLOCK, 1, 1, 0, stream,
                KernelArgs.of().ptr(x).ptr(grad).ptr(dx).i64(n).i32(code));
    }
}
