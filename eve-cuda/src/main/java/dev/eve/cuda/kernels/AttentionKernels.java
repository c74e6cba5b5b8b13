package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;

/**
 * Launchers of {@code native/attention.cu}: fused scaled-dot-product attention with a key-padding mask
 * (FlashAttention-2 style), forward and backward.
 *
 * <p>Layout: q, out, gradOut, dq [B, H, Nq, D]; k, v, dk, dv [B, H, Nk, D]; all contiguous and of
 * {@code dtype} (F32, BF16, F16). lse and delta [B, H, Nq] F32. keyMask [B, Nk] of {@code maskType}
 * (BOOL, I32, I64 or F32; non-zero = attend) or 0 for none. Head dims 64 and 128.
 */
public final class AttentionKernels {

    static final String FILE = "attention.cu";
    static final int QUERY_TILE = 16, KEY_TILE = 32, THREADS = 128;
    /** Query rows per block of the tensor-core forward (4 warps x 16). */
    static final int MMA_QUERY_TILE = 64;
    /** Keys per block of the tensor-core dK/dV kernel (4 warps x 16). */
    static final int MMA_KEY_BLOCK = 64;

    private AttentionKernels() {}

    /** True when the fused kernels handle head dim {@code d}. */
    public static boolean supportsHeadDim(int d) {
        return d == 64 || d == 128;
    }

    private static String name(String kind, DType dtype, int d) {
        if (!supportsHeadDim(d)) throw new IllegalArgumentException("fused attention supports head dim 64 and 128, got " + d);
        return "eve_attention_" + kind + "_" + Launch.suffix(dtype) + "_d" + d;
    }

    private static int bh(int b, int h) {
        long v = (long) b * h;
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("attention: B*H too large");
        return (int) v;
    }

    /**
     * out = softmax(q k^T * scale, masked) v and lse = its row log-sum-exp (natural log). A query row whose
     * keys are all masked gets NaN in out and lse when {@code emptyRowsNan} (the CPU backend's and
     * PyTorch's result), else zeros and lse = -inf. BF16 and F16 run on tensor cores (mma.sync), F32 on
     * the SIMT kernel.
     */
    public static void forward(CudaDevice device, CudaStream stream, DType dtype, long q, long k, long v, long keyMask,
                               DType maskType, long out, long lse, int b, int h, int nq, int nk, int d, float scale,
                               boolean emptyRowsNan) {
        launchForward(device, stream, dtype, q, k, v, keyMask, maskType, out, lse, b, h, nq, nk, d, scale, emptyRowsNan,
                dtype != DType.F32);
    }

    /** {@link #forward} on the SIMT kernel whatever the dtype (the reference the tensor-core path is tested against). */
    public static void forwardSimt(CudaDevice device, CudaStream stream, DType dtype, long q, long k, long v, long keyMask,
                                   DType maskType, long out, long lse, int b, int h, int nq, int nk, int d,
                                   float scale, boolean emptyRowsNan) {
        launchForward(device, stream, dtype, q, k, v, keyMask, maskType, out, lse, b, h, nq, nk, d, scale, emptyRowsNan, false);
    }

    private static void launchForward(CudaDevice device, CudaStream stream, DType dtype, long q, long k, long v, long keyMask,
                                      DType maskType, long out, long lse, int b, int h, int nq, int nk, int d,
                                      float scale, boolean emptyRowsNan, boolean tensorCores) {
        Launch.checkNonNegative("attention", b, h, nq, nk, d);
        // The tensor-core kernel copies K/V rows with 16-byte vector loads: it needs 16-byte aligned
        // buffers (any cudaMalloc'd tensor at a row boundary is); otherwise the SIMT kernel runs.
        if (tensorCores && ((q | k | v | out) & 15) != 0) tensorCores = false;
        String fn = name(tensorCores ? "fwd_mma" : "fwd", dtype, d);
        if (b == 0 || h == 0 || nq == 0) return;
        int tile = tensorCores ? MMA_QUERY_TILE : QUERY_TILE;
        int blocks = Launch.ceilDiv((long) bh(b, h) * Launch.ceilDiv(nq, tile), 1);
        Launch.function(device, FILE, fn).launch(blocks, 1, 1, THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(q).ptr(k).ptr(v).ptr(keyMask).i32(Launch.maskKind(keyMask, maskType)).ptr(out)
                        .ptr(lse).i32(h).i32(nq).i32(nk).f32(scale).i32(emptyRowsNan ? 1 : 0));
    }

    /** Dynamic shared memory of the dQ kernel: Q and dO tiles plus padded K and V tiles, F32. */
    static int dqSharedBytes(int d) {
        return (2 * QUERY_TILE * d + 2 * KEY_TILE * (d + 1)) * 4;
    }

    /** Dynamic shared memory of the tensor-core dK/dV kernel: K, V blocks (64 rows), Q, dO tiles (32 rows) of D+8 halves. */
    static int dkdvMmaSharedBytes(int d) {
        return 192 * (d + 8) * 2 + 256;
    }

    /**
     * Gradients of {@link #forward}. {@code delta} is F32 scratch of B*H*Nq elements (rowsum(dO * O)).
     * dq, dk, dv are overwritten. Three launches: delta, dQ (per query tile), dK/dV (per key tile); no
     * atomics, so the result is deterministic. BF16 and F16 run on tensor cores, F32 on the SIMT kernels.
     */
    public static void backward(CudaDevice device, CudaStream stream, DType dtype, long q, long k, long v,
                                long keyMask, DType maskType, long out, long lse, long gradOut, long delta, long dq,
                                long dk, long dv, int b, int h, int nq, int nk, int d, float scale) {
        launchBackward(device, stream, dtype, q, k, v, keyMask, maskType, out, lse, gradOut, delta, dq, dk, dv, b, h, nq,
                nk, d, scale, dtype != DType.F32);
    }

    /** {@link #backward} on the SIMT kernels whatever the dtype. */
    public static void backwardSimt(CudaDevice device, CudaStream stream, DType dtype, long q, long k, long v,
                                    long keyMask, DType maskType, long out, long lse, long gradOut, long delta, long dq,
                                    long dk, long dv, int b, int h, int nq, int nk, int d, float scale) {
        launchBackward(device, stream, dtype, q, k, v, keyMask, maskType, out, lse, gradOut, delta, dq, dk, dv, b, h, nq,
                nk, d, scale, false);
    }

    private static void launchBackward(CudaDevice device, CudaStream stream, DType dtype, long q, long k, long v,
                                       long keyMask, DType maskType, long out, long lse, long gradOut, long delta,
                                       long dq, long dk, long dv, int b, int h, int nq, int nk, int d, float scale,
                                       boolean tensorCores) {
        Launch.checkNonNegative("attention backward", b, h, nq, nk, d);
        // 16-byte vector loads and 32-bit fragment stores: aligned buffers only (see launchForward).
        if (tensorCores && ((q | k | v | gradOut | dq | dk | dv) & 15) != 0) tensorCores = false;
        String dqName = name(tensorCores ? "bwd_dq_mma" : "bwd_dq", dtype, d);
        String dkdvName = name(tensorCores ? "bwd_dkdv_mma" : "bwd_dkdv", dtype, d);
        if (b == 0 || h == 0) return;
        int groups = bh(b, h), kind = Launch.maskKind(keyMask, maskType);
        long rows = (long) groups * nq;
        if (rows > 0) {
            Launch.function(device, FILE, "eve_attention_bwd_delta_" + Launch.suffix(dtype)).launch(
                    Launch.ceilDiv(rows, 8), 1, 1, 256, 1, 1, 0, stream,
                    KernelArgs.of().ptr(out).ptr(gradOut).ptr(delta).i64(rows).i32(d));
            int smem = tensorCores ? 0 : dqSharedBytes(d);
            int tile = tensorCores ? MMA_QUERY_TILE : QUERY_TILE;
            Launch.function(device, FILE, dqName, smem).launch(
                    Launch.ceilDiv((long) groups * Launch.ceilDiv(nq, tile), 1), 1, 1, THREADS, 1, 1, smem, stream,
                    KernelArgs.of().ptr(q).ptr(k).ptr(v).ptr(keyMask).i32(kind).ptr(gradOut).ptr(lse).ptr(delta)
                            .ptr(dq).i32(h).i32(nq).i32(nk).f32(scale));
        }
        if (nk > 0) {
            int smem = tensorCores ? dkdvMmaSharedBytes(d) : 0;
            int tile = tensorCores ? MMA_KEY_BLOCK : KEY_TILE;
            Launch.function(device, FILE, dkdvName, smem).launch(
                    Launch.ceilDiv((long) groups * Launch.ceilDiv(nk, tile), 1), 1, 1, THREADS, 1, 1, smem, stream,
                    KernelArgs.of().ptr(q).ptr(k).ptr(v).ptr(keyMask).i32(kind).ptr(gradOut).ptr(lse).ptr(delta)
                            .ptr(dk).ptr(dv).i32(h).i32(nq).i32(nk).f32(scale));
        }
    }
}
