package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;

/**
 * Launchers of {@code native/moe.cu}: EVE's modality-aware MoE routing (as {@code MoeLayer} and
 * {@code Gating} of eve-models), dispatch into the packed expert buffer [R, H], combine, and their
 * backward. The packed buffer holds the kept assignments only, expert by expert in slot order, so each
 * expert's input is a contiguous slice; the row map {@code rows} [k, S] I32 names each kept assignment's
 * buffer row (-1 = dropped). Dispatch, combine and combine's backward are also what
 * {@code CudaBackend.moeDispatch / moeCombine / moeCombineBackward} run, so the model uses them through
 * the op layer ({@code dev.eve.core.ops.Moe}); the routing kernels are for a model that routes on the
 * GPU as well.
 *
 * <p>A forward, in order: {@link #routerForward} (shift + logits), {@link #gateTopk} (softmax, choices),
 * {@link #positions} (capacity slots, counts, kept assignments per expert, gate means),
 * {@link #combineWeights}, {@link #auxLoss}, {@link #rows} (the packed row map); read {@code assigned} back
 * to size the buffer (R = its sum) and slice it per expert; {@link #dispatch}, the expert GEMMs on their
 * slices, {@link #combine}. Backward: {@link #combineBackward}, the expert GEMMs' backward,
 * {@link #dispatchBackward}, {@link #gatesBackward} (with dWeights rows 0 and 1 as dw1, dw2), then the
 * router's backward (cuBLAS, or {@link #routerBackwardInput} and {@link #paramGradients}).
 *
 * <p>Types: tokens, shifted tokens and expert buffers are of {@code dtype}; router weight, embeddings,
 * logits, gates, combine weights and all routing gradients F32; expert ids, slots, counts, rows I32.
 */
public final class MoeKernels {

    static final String FILE = "moe.cu";
    private static final int BLOCK = 256;
    /** Token groups of the two-stage deterministic parameter-gradient sums. */
    public static final int PARAM_GRAD_GROUPS = 64;
    /** Capacity to pass in dropless mode (the kernels then never drop). */
    public static final int DROPLESS = Integer.MAX_VALUE;

    private MoeKernels() {}

    /**
     * {@code ceil(S / E * factor)} in float32 as the original computes it (factor already doubled for
     * top-2 by the caller), at least {@code minCapacity}: the same arithmetic as eve-models' Gating.capacity.
     */
    public static int capacity(int tokens, int experts, double factor, int minCapacity) {
        float perExpert = (float) ((double) tokens / experts);
        float c = (float) Math.ceil(perExpert * (float) factor);
        return Math.max((int) c, minCapacity);
    }

    private static int rowThreads(int h) {
        return h >= 512 ? 256 : 128;
    }

    /**
     * shifted = x + (vision token ? visionEmbed : textEmbed) (token s is vision iff s % seqLen < visionTokens;
     * both embeddings 0 = no shift), logits = shifted . wg^T. x, shifted (or 0) [S, H] of dtype; embeddings
     * [H] F32; wg [E, H] F32; logits [S, E] F32. Vision mode: visionTokens = seqLen; text mode: 0.
     */
    public static void routerForward(CudaDevice device, CudaStream stream, DType dtype, long x, long visionEmbed,
                                     long textEmbed, long wg, long shifted, long logits, int tokens, int h, int experts,
                                     int seqLen, int visionTokens) {
        Launch.checkNonNegative("moe router", tokens, h, experts);
        if (tokens == 0) return;
        if (seqLen <= 0) throw new IllegalArgumentException("moe router: seqLen must be positive");
        int smem = 4 * h;
        Launch.function(device, FILE, "eve_moe_router_fwd_" + Launch.suffix(dtype), smem).launch(tokens, 1, 1,
                rowThreads(h), 1, 1, smem, stream,
                KernelArgs.of().ptr(x).ptr(visionEmbed).ptr(textEmbed).ptr(wg).ptr(shifted).ptr(logits)
                        .i32(tokens).i32(h).i32(experts).i32(seqLen).i32(visionTokens));
    }

    /** gates = softmax(logits); expert1 = argmax gates; expert2 = argmax(logits + noise) without expert1 (top-2). */
    public static void gateTopk(CudaDevice device, CudaStream stream, long logits, long noise, long gates, long expert1,
                                long expert2, int tokens, int experts, int topk) {
        checkTopk(topk);
        if (tokens == 0) return;
        Launch.function(device, FILE, "eve_moe_gate_topk").launch(Launch.ceilDiv(tokens, 8), 1, 1, BLOCK, 1, 1, 0,
                stream, KernelArgs.of().ptr(logits).ptr(noise).ptr(gates).ptr(expert1).ptr(expert2).i32(tokens)
                        .i32(experts).i32(topk));
    }

    /**
     * GShard positions: slot1/slot2 [S] (-1 when past {@code capacity}; {@link #DROPLESS} never drops),
     * counts [E] (first choices before dropping), assigned [E] (kept assignments), gateMean [E] F32.
     */
    public static void positions(CudaDevice device, CudaStream stream, long expert1, long expert2, long gates,
                                 long slot1, long slot2, long counts, long assigned, long gateMean, int tokens,
                                 int experts, int topk, int capacity) {
        checkTopk(topk);
        if (experts == 0) return;
        Launch.function(device, FILE, "eve_moe_positions").launch(experts, 1, 1, 1024, 1, 1, 0, stream,
                KernelArgs.of().ptr(expert1).ptr(expert2).ptr(gates).ptr(slot1).ptr(slot2).ptr(counts).ptr(assigned)
                        .ptr(gateMean).i32(tokens).i32(experts).i32(topk).i32(capacity));
    }

    /** w1, w2 (or 0 for top-1) [S] F32: kept gates, renormalised by max(g1 + g2, eps) for top-2. */
    public static void combineWeights(CudaDevice device, CudaStream stream, long gates, long expert1, long expert2,
                                      long slot1, long slot2, long w1, long w2, int tokens, int experts, int topk,
                                      float eps) {
        checkTopk(topk);
        if (tokens == 0) return;
        Launch.function(device, FILE, "eve_moe_combine_weights").launch(Launch.ceilDiv(tokens, BLOCK), 1, 1, BLOCK, 1,
                1, 0, stream, KernelArgs.of().ptr(gates).ptr(expert1).ptr(expert2).ptr(slot1).ptr(slot2).ptr(w1)
                        .ptr(w2).i32(tokens).i32(experts).i32(topk).f32(eps));
    }

    /** lAux (device F32 scalar) = mean_e(gateMean[e] * counts[e] / S) * E^2. */
    public static void auxLoss(CudaDevice device, CudaStream stream, long gateMean, long counts, long lAux, int tokens,
                               int experts) {
        Launch.function(device, FILE, "eve_moe_aux_loss").launch(1, 1, 1, 32, 1, 1, 0, stream,
                KernelArgs.of().ptr(gateMean).ptr(counts).ptr(lAux).i32(tokens).i32(experts));
    }

    /**
     * rows [topk, S] I32: the packed buffer row {@code offset[e] + slot} of each kept assignment (offset =
     * exclusive prefix sum of {@code assigned} over the experts), -1 when dropped; from {@link #positions}.
     */
    public static void rows(CudaDevice device, CudaStream stream, long expert1, long expert2, long slot1, long slot2,
                            long assigned, long rows, int tokens, int experts, int topk) {
        checkTopk(topk);
        if (tokens == 0) return;
        Launch.function(device, FILE, "eve_moe_rows", 4 * experts).launch(Launch.ceilDiv((long) tokens * topk, BLOCK), 1,
                1, BLOCK, 1, 1, 4 * experts, stream, KernelArgs.of().ptr(expert1).ptr(expert2).ptr(slot1).ptr(slot2)
                        .ptr(assigned).ptr(rows).i32(tokens).i32(experts).i32(topk));
    }

    /**
     * buf[rows[j, s]] = tokens[s] for each kept assignment; tokens [S, H] and buf [R, H] of dtype, rows [k, S]
     * I32. Rows of buf that no assignment names are left as they are (zero the buffer first if there are any).
     */
    public static void dispatch(CudaDevice device, CudaStream stream, DType dtype, long tokens, long rows, long buf,
                                int tokenCount, int h, int k) {
        Launch.checkNonNegative("moe dispatch", tokenCount, h, k);
        if (tokenCount == 0 || h == 0 || k == 0) return;
        Launch.function(device, FILE, "eve_moe_dispatch_" + Launch.suffix(dtype)).launch(tokenCount, 1, 1,
                rowThreads(h), 1, 1, 0, stream, KernelArgs.of().ptr(tokens).ptr(rows).ptr(buf).i32(tokenCount).i32(h).i32(k));
    }

    /**
     * out[s] = sum_j weights[j, s] y[rows[j, s]] over the kept assignments in j order (explicitly rounded
     * products and sums: for F32 the CPU backend's bits); weights [k, S] F32 or 0 for all ones; y [R, H],
     * out [S, H] of dtype.
     */
    public static void combine(CudaDevice device, CudaStream stream, DType dtype, long y, long rows, long weights,
                               long out, int tokens, int h, int k) {
        Launch.checkNonNegative("moe combine", tokens, h, k);
        if (tokens == 0 || h == 0) return;
        Launch.function(device, FILE, "eve_moe_combine_" + Launch.suffix(dtype)).launch(tokens, 1, 1, rowThreads(h), 1,
                1, 0, stream, KernelArgs.of().ptr(y).ptr(rows).ptr(weights).ptr(out).i32(tokens).i32(h).i32(k));
    }

    /**
     * dy[rows[j, s]] = weights[j, s] dOut[s] (weights 0: all ones; zero dy first if some rows are named by no
     * assignment) and dWeights[j, s] = dOut[s] . y[rows[j, s]], 0 when dropped (dWeights 0: not computed).
     */
    public static void combineBackward(CudaDevice device, CudaStream stream, DType dtype, long dOut, long y, long rows,
                                       long weights, long dy, long dWeights, int tokens, int h, int k) {
        Launch.checkNonNegative("moe combine backward", tokens, h, k);
        if (tokens == 0 || k == 0) return;
        Launch.function(device, FILE, "eve_moe_combine_bwd_" + Launch.suffix(dtype)).launch(tokens, 1, 1,
                rowThreads(h), 1, 1, 0, stream, KernelArgs.of().ptr(dOut).ptr(y).ptr(rows).ptr(weights).ptr(dy)
                        .ptr(dWeights).i32(tokens).i32(h).i32(k));
    }

    /** dx[s] (+)= sum_j dBuf[rows[j, s]] over the kept assignments ({@code accumulate} adds to dx). */
    public static void dispatchBackward(CudaDevice device, CudaStream stream, DType dtype, long dBuf, long rows, long dx,
                                        int tokens, int h, int k, boolean accumulate) {
        Launch.checkNonNegative("moe dispatch backward", tokens, h, k);
        if (tokens == 0 || h == 0) return;
        Launch.function(device, FILE, "eve_moe_dispatch_bwd_" + Launch.suffix(dtype)).launch(tokens, 1, 1,
                rowThreads(h), 1, 1, 0, stream, KernelArgs.of().ptr(dBuf).ptr(rows).ptr(dx).i32(tokens).i32(h).i32(k)
                        .i32(accumulate ? 1 : 0));
    }

    /**
     * dLogits [S, E] F32 from dw1, dw2 [S] (dw2 ignored for top-1) and dLAux (device F32 scalar, or 0),
     * through the renormalisation, the gate gather and the softmax.
     */
    public static void gatesBackward(CudaDevice device, CudaStream stream, long gates, long expert1, long expert2,
                                     long slot1, long slot2, long dw1, long dw2, long counts, long dLAux, long dLogits,
                                     int tokens, int experts, int topk, float eps) {
        checkTopk(topk);
        if (tokens == 0) return;
        Launch.function(device, FILE, "eve_moe_gates_bwd").launch(Launch.ceilDiv(tokens, 8), 1, 1, BLOCK, 1, 1, 0,
                stream, KernelArgs.of().ptr(gates).ptr(expert1).ptr(expert2).ptr(slot1).ptr(slot2).ptr(dw1).ptr(dw2)
                        .ptr(counts).ptr(dLAux).ptr(dLogits).i32(tokens).i32(experts).i32(topk).f32(eps));
    }

    /** dShifted[s] (+)= dLogits[s] . wg. */
    public static void routerBackwardInput(CudaDevice device, CudaStream stream, DType dtype, long dLogits, long wg,
                                           long dShifted, int tokens, int h, int experts, boolean accumulate) {
        if (tokens == 0 || h == 0) return;
        Launch.function(device, FILE, "eve_moe_router_bwd_input_" + Launch.suffix(dtype)).launch(tokens, 1, 1,
                rowThreads(h), 1, 1, 0, stream, KernelArgs.of().ptr(dLogits).ptr(wg).ptr(dShifted).i32(tokens).i32(h)
                        .i32(experts).i32(accumulate ? 1 : 0));
    }

    /** F32 scratch elements of {@link #paramGradients}. */
    public static long paramGradScratchFloats(int h, int experts) {
        return (long) PARAM_GRAD_GROUPS * ((long) experts * h + 2L * h);
    }

    /**
     * dWg [E, H] = dLogits^T shifted, dVisionEmbed / dTextEmbed [H] = sums of dShifted over the vision /
     * text tokens (each output F32, or 0 when not wanted), deterministic two-stage sums through
     * {@code scratch} ({@link #paramGradScratchFloats} F32 elements).
     */
    public static void paramGradients(CudaDevice device, CudaStream stream, DType dtype, long dLogits, long shifted,
                                      long dShifted, long dWg, long dVisionEmbed, long dTextEmbed, long scratch,
                                      int tokens, int h, int experts, int seqLen, int visionTokens) {
        if (h == 0) return;
        int g = PARAM_GRAD_GROUPS;
        long partWg = dWg == 0 ? 0 : scratch;
        long partVis = dVisionEmbed == 0 ? 0 : scratch + 4L * g * experts * h;
        long partTxt = dTextEmbed == 0 ? 0 : scratch + 4L * g * ((long) experts * h + h);
        Launch.function(device, FILE, "eve_moe_param_grad_partial_" + Launch.suffix(dtype)).launch(
                Launch.ceilDiv(h, BLOCK), g, 1, BLOCK, 1, 1, 0, stream,
                KernelArgs.of().ptr(dLogits).ptr(shifted).ptr(dShifted).ptr(partWg).ptr(partVis).ptr(partTxt)
                        .i32(tokens).i32(h).i32(experts).i32(Math.max(seqLen, 1)).i32(visionTokens));
        reduce(device, stream, partWg, dWg, (long) experts * h, g);
        reduce(device, stream, partVis, dVisionEmbed, h, g);
        reduce(device, stream, partTxt, dTextEmbed, h, g);
    }

    private static void reduce(CudaDevice device, CudaStream stream, long part, long out, long width, int groups) {
        if (out == 0 || width == 0) return;
        Launch.function(device, FILE, "eve_moe_param_grad_reduce").launch(Launch.ceilDiv(width, BLOCK), 1, 1, BLOCK, 1,
                1, 0, stream, KernelArgs.of().ptr(part).ptr(out).i64(width).i32(groups));
    }

    private static void checkTopk(int topk) {
        if (topk != 1 && topk != 2) throw new IllegalArgumentException("moe: top-k must be 1 or 2, got " + topk);
    }
}
