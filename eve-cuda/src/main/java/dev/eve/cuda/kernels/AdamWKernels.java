package dev.eve.cuda.kernels;

import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;

/**
 * Launcher of {@code native/adamw.cu}: one AdamW step (PyTorch's single-tensor algorithm, as
 * {@code Backend.adamwStep}) over a list of F32 tensors in one launch.
 *
 * <p>The caller uploads the lists: {@code params}, {@code grads}, {@code expAvgs}, {@code expAvgSqs}
 * are device arrays of {@code count} device pointers (8 bytes each); {@code offsets} is a device I64
 * array of {@code count + 1} prefix sums of the element counts ({@code offsets[0] = 0}). {@code hyper}
 * (or 0) is a device F32 array of {@code 2 * count} per-tensor {decay, stepSize} pairs from
 * {@link #groupScalars}, for parameter groups with their own lr / weight decay; when 0, the scalars of
 * {@code lr} and {@code weightDecay} apply to all.
 */
public final class AdamWKernels {

    static final String FILE = "adamw.cu";
    private static final int BLOCK = 256;
    /** Elements per block: 16 per thread, enough to amortise the binary search for the first tensor. */
    static final int CHUNK = BLOCK * 16;

    private AdamWKernels() {}

    /**
     * {decay, stepSize} of one parameter group, formed as the CPU kernel forms them: in double, then
     * rounded to float.
     */
    public static float[] groupScalars(double lr, double weightDecay, double beta1, long step) {
        double bc1 = 1.0 - Math.pow(beta1, step);
        return new float[] {(float) (1.0 - lr * weightDecay), (float) (lr / bc1)};
    }

    public static void step(CudaDevice device, CudaStream stream, long params, long grads, long expAvgs,
                            long expAvgSqs, long offsets, int count, long totalElements, long hyper, double lr,
                            double beta1, double beta2, double eps, double weightDecay, long step) {
        Launch.checkNonNegative("adamw", count, totalElements);
        if (count == 0 || totalElements == 0) return;
        if (step < 1) throw new IllegalArgumentException("adamw: step must be >= 1, got " + step);
        float[] group = groupScalars(lr, weightDecay, beta1, step);
        double bc2 = 1.0 - Math.pow(beta2, step);
        Launch.function(device, FILE, "eve_adamw_multi").launch(Launch.ceilDiv(totalElements, CHUNK), 1, 1, BLOCK, 1,
                1, 0, stream,
                KernelArgs.of().ptr(params).ptr(grads).ptr(expAvgs).ptr(expAvgSqs).ptr(offsets).i32(count).ptr(hyper)
                        .i64(CHUNK).f32(group[0]).f32(group[1]).f32((float) beta1).f32((float) beta2)
                        .f32((float) (1.0 - beta1)).f32((float) (1.0 - beta2)).f32((float) Math.sqrt(bc2))
                        .f32((float) eps));
    }
}
