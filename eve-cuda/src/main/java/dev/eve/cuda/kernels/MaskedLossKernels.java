package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;

/**
 * Launchers of {@code native/masked_loss.cu}: the fused masked-prediction cross-entropy
 * ({@code Backend.maskedCrossEntropyForward / Backward}) and the normalised-pixel MSE of masked image
 * modeling.
 *
 * <p>Cross-entropy: hidden [n, H], weight [V, H], bias [V] (or 0) of {@code dtype}; targets I64 [n];
 * loss, lse, rowGrad [n] F32; dHidden [n, H], dWeight [V, H], dBias [V] F32 (0 when not wanted).
 */
public final class MaskedLossKernels {

    static final String FILE = "masked_loss.cu";
    /** Rows and vocabulary columns of one logits tile of the kernels (their shared-memory GEMM tile). */
    static final int TILE = 64;
    /** Vocabulary columns per backward chunk: the dlogits scratch is n x this many floats. */
    public static final int DEFAULT_CHUNK = 4096;

    private MaskedLossKernels() {}

    /** Partial (max, sum-exp) pairs per row of the forward: one per 64 vocabulary columns. */
    public static int parts(int vocab) {
        return Launch.ceilDiv(vocab, TILE);
    }

    /** F32 scratch elements of {@link #crossEntropyForward}: 2 n parts(V) partials + n target logits. */
    public static long forwardScratchFloats(int n, int vocab) {
        return 2L * n * parts(vocab) + n;
    }

    /** F32 scratch elements of {@link #crossEntropyBackward} with vocabulary chunks of {@code chunk} columns. */
    public static long backwardScratchFloats(int n, int vocab, int chunk) {
        return (long) n * Math.min(chunk, Math.max(vocab, 1));
    }

    /** loss[i] = lse[i] - logits[i][targets[i]] with the logits made 64 x 64 tiles at a time. */
    public static void crossEntropyForward(CudaDevice device, CudaStream stream, DType dtype, long hidden, long weight,
                                           long bias, long targets, long loss, long lse, long scratch, int n, int h,
                                           int vocab) {
        Launch.checkNonNegative("masked cross-entropy", n, h, vocab);
        if (n == 0) return;
        if (vocab == 0) throw new IllegalArgumentException("masked cross-entropy: empty vocabulary");
        int parts = parts(vocab);
        long partMax = scratch, partSum = scratch + 4L * n * parts, targetLogit = scratch + 8L * n * parts;
        Launch.function(device, FILE, "eve_mce_fwd_partial_" + Launch.suffix(dtype)).launch(
                parts, Launch.ceilDiv(n, TILE), 1, 256, 1, 1, 0, stream,
                KernelArgs.of().ptr(hidden).ptr(weight).ptr(bias).ptr(targets).ptr(partMax).ptr(partSum)
                        .ptr(targetLogit).i32(n).i32(h).i32(vocab));
        Launch.function(device, FILE, "eve_mce_fwd_finish").launch(Launch.ceilDiv(n, 256), 1, 1, 256, 1, 1, 0, stream,
                KernelArgs.of().ptr(partMax).ptr(partSum).ptr(targetLogit).ptr(loss).ptr(lse).i32(n).i32(parts));
    }

    /**
     * Gradients, one vocabulary chunk of {@code chunk} columns at a time (chunk a multiple of 64; scratch
     * of {@link #backwardScratchFloats} F32 elements): dlogits of the chunk, then dHidden (+)= dlogits W[chunk],
     * dWeight[chunk] = dlogits^T hidden, dBias[chunk] = column sums. Deterministic.
     */
    public static void crossEntropyBackward(CudaDevice device, CudaStream stream, DType dtype, long hidden, long weight,
                                            long bias, long targets, long lse, long rowGrad, long dHidden,
                                            long dWeight, long dBias, long scratch, int chunk, int n, int h, int vocab) {
        Launch.checkNonNegative("masked cross-entropy backward", n, h, vocab);
        if (chunk <= 0 || chunk % TILE != 0)
            throw new IllegalArgumentException("masked cross-entropy backward: chunk must be a positive multiple of 64");
        if (n == 0 || vocab == 0 || (dHidden == 0 && dWeight == 0 && dBias == 0)) return;
        String s = Launch.suffix(dtype);
        for (int c0 = 0; c0 < vocab; c0 += chunk) {
            int cols = Math.min(chunk, vocab - c0);
            Launch.function(device, FILE, "eve_mce_bwd_dlogits_" + s).launch(
                    Launch.ceilDiv(cols, TILE), Launch.ceilDiv(n, TILE), 1, 256, 1, 1, 0, stream,
                    KernelArgs.of().ptr(hidden).ptr(weight).ptr(bias).ptr(targets).ptr(lse).ptr(rowGrad).ptr(scratch)
                            .i32(n).i32(h).i32(vocab).i32(c0).i32(cols));
            long elt = dtype.byteSize();
            if (dHidden != 0 && h > 0)  // [n, cols] x [cols, H], chunks accumulated in order
                Launch.function(device, FILE, "eve_mce_gemm_nn_" + s).launch(
                        Launch.ceilDiv(h, TILE), Launch.ceilDiv(n, TILE), 1, 256, 1, 1, 0, stream,
                        KernelArgs.of().ptr(scratch).ptr(weight + elt * c0 * h).ptr(dHidden)
                                .i32(n).i32(h).i32(cols).i32(cols).i32(h).i32(h).f32(c0 == 0 ? 0f : 1f));
            if (dWeight != 0 && h > 0)  // [cols, n] x [n, H]
                Launch.function(device, FILE, "eve_mce_gemm_tn_" + s).launch(
                        Launch.ceilDiv(h, TILE), Launch.ceilDiv(cols, TILE), 1, 256, 1, 1, 0, stream,
                        KernelArgs.of().ptr(scratch).ptr(hidden).ptr(dWeight + 4L * c0 * h)
                                .i32(cols).i32(h).i32(n).i32(cols).i32(h).i32(h).f32(0f));
            if (dBias != 0)
                Launch.function(device, FILE, "eve_mce_bias_grad").launch(Launch.ceilDiv(cols, 256), 1, 1, 256, 1, 1, 0,
                        stream, KernelArgs.of().ptr(scratch).ptr(dBias).i32(n).i32(cols).i32(c0));
        }
    }

    /**
     * Normalised-pixel MSE: pred, target [patches, dim] of dtype; mask [patches] of maskType (non-zero =
     * scored; 0 pointer = all); perPatch [patches] F32 (every patch's MSE); loss and count: device F32
     * scalars (count = masked patches, kept for the backward).
     */
    public static void mimForward(CudaDevice device, CudaStream stream, DType dtype, long pred, long target, long mask,
                                  DType maskType, long perPatch, long loss, long count, int patches, int dim,
                                  boolean normPix, float eps) {
        Launch.checkNonNegative("mim loss", patches, dim);
        String s = Launch.suffix(dtype);
        if (patches > 0)
            Launch.function(device, FILE, "eve_mim_mse_fwd_" + s).launch(Launch.ceilDiv(patches, 8), 1, 1, 256, 1, 1, 0,
                    stream, KernelArgs.of().ptr(pred).ptr(target).ptr(perPatch).i32(patches).i32(dim)
                            .i32(normPix ? 1 : 0).f32(eps));
        Launch.function(device, FILE, "eve_mim_mse_reduce").launch(1, 1, 1, 1024, 1, 1, 0, stream,
                KernelArgs.of().ptr(perPatch).ptr(mask).i32(Launch.maskKind(mask, maskType)).ptr(loss).ptr(count)
                        .i32(patches));
    }

    /** dPred from the loss gradient {@code grad} (device F32 scalar) and the forward's {@code count}. */
    public static void mimBackward(CudaDevice device, CudaStream stream, DType dtype, long pred, long target, long mask,
                                   DType maskType, long grad, long count, long dPred, int patches, int dim,
                                   boolean normPix, float eps) {
        Launch.checkNonNegative("mim loss backward", patches, dim);
        if (patches == 0) return;
        Launch.function(device, FILE, "eve_mim_mse_bwd_" + Launch.suffix(dtype)).launch(Launch.ceilDiv(patches, 8), 1, 1,
                256, 1, 1, 0, stream,
                KernelArgs.of().ptr(pred).ptr(target).ptr(mask).i32(Launch.maskKind(mask, maskType)).ptr(grad)
                        .ptr(count).ptr(dPred).i32(patches).i32(dim).i32(normPix ? 1 : 0).f32(eps));
    }
}
