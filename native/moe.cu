// moe.cu: modality-aware mixture-of-experts routing, forward and backward, mirroring the CPU layer
// (eve-models: dev.eve.models.eve.moe.MoeLayer and Gating) step by step:
//
//   shifted = x + (vision token ? vision_embed : text_embed)      token s is "vision" iff
//                                                                  (s % seq_len) < vision_tokens
//   logits  = shifted . Wg^T                 [S, E]  F32 (the router stays in F32)
//   gates   = softmax(logits)
//   e1      = argmax gates                   (first index on ties; a NaN wins, as torch.argmax)
//   e2      = argmax (logits + noise), e1 excluded          (top-2 only; Gumbel noise from the host)
//   counts  = first choices per expert, before dropping
//   loc1    = rank of s among the tokens whose first choice is e1      (token order)
//   loc2    = counts[e2] + rank of s among the tokens whose second choice is e2
//             (GShard: all first choices of an expert come before its second choices)
//   kept    = loc < capacity                 (dropless: capacity = INT_MAX)
//   w1, w2  = kept gates, renormalised for top-2: g / max(g1 + g2, eps)
//   l_aux   = mean_e(mean_s(gates[:, e]) * counts[e] / S) * E^2
//   rows    = [k, S] packed buffer row of each kept assignment: offset[e] + slot, offset = exclusive
//             prefix sum of the kept assignments per expert; -1 when dropped
//   out[s]  = w1 Y[rows[0, s]] + w2 Y[rows[1, s]]      Y = expert(dispatch) of shape [R, H], R = kept total
//
// The expert MLPs are GEMMs over their slices of the packed [R, H] buffer (cuBLAS, on the backend side);
// these kernels produce the routing, gather the tokens into the buffer (dispatch) and gather them back
// (combine). Combine is written as a gather per token (each token reads its <= k rows) rather than a
// scatter-add, so it needs no atomics and is deterministic; likewise the backward of dispatch.
// Every kernel here is deterministic: all sums have a fixed order. dispatch / combine / their backward
// are also the CUDA backend's Backend.moeDispatch / moeCombine / moeCombineBackward.
//
// Index types: expert1/expert2/slot1/slot2 are I32 [S] (-1 = none / dropped), counts/assigned I32 [E],
// rows I32 [k, S].
#include "fused_common.cuh"

// ------------------------------------------------------------------------------------- router

// One block per token (blockDim a multiple of 32): the shifted token is built in shared memory
// (dynamic, H floats), optionally stored, and every warp computes the logits of experts w, w + warps, ..
// x [S, H] T; vision_embed / text_embed [H] F32 or null (no modality routing); wg [E, H] F32;
// shifted [S, H] T or null; logits [S, E] F32.
template <typename T>
__device__ void moe_router_fwd(const T* __restrict__ x, const float* __restrict__ vision_embed,
                               const float* __restrict__ text_embed, const float* __restrict__ wg,
                               T* __restrict__ shifted, float* __restrict__ logits, int S, int H, int E,
                               int seq_len, int vision_tokens) {
    extern __shared__ float row[];
    const long long s = blockIdx.x;
    const bool vision = (int)(s % seq_len) < vision_tokens;
    const float* emb = vision ? vision_embed : text_embed;
    for (int h = threadIdx.x; h < H; h += blockDim.x) {
        float v = eve_to_float(x[s * H + h]);
        if (emb) v += emb[h];
        row[h] = v;
        if (shifted) shifted[s * H + h] = eve_from_float<T>(v);
    }
    __syncthreads();
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int e = warp; e < E; e += warps) {
        float acc = 0.0f;
        for (int h = lane; h < H; h += 32) acc += row[h] * wg[(long long)e * H + h];
        acc = eve_warp_sum(acc);
        if (lane == 0) logits[s * E + e] = acc;
    }
}

// Does candidate (v, i) beat (bv, bi) for argmax? NaN beats numbers, larger beats smaller, and among
// equals (or two NaNs) the smaller index wins; bi < 0 means "no candidate yet".
__device__ __forceinline__ bool eve_argmax_better(float v, int i, float bv, int bi) {
    if (i < 0) return false;
    if (bi < 0) return true;
    const bool n = v != v, bn = bv != bv;
    if (n != bn) return n;
    if (n || v == bv) return i < bi;
    return v > bv;
}

__device__ __forceinline__ void eve_warp_argmax(float& v, int& i) {
    for (int o = 16; o > 0; o >>= 1) {
        float v2 = __shfl_xor_sync(0xffffffffu, v, o);
        int i2 = __shfl_xor_sync(0xffffffffu, i, o);
        if (eve_argmax_better(v2, i2, v, i)) { v = v2; i = i2; }
    }
}

// Softmax and top-1/top-2 choice, one warp per token (8 tokens per 256-thread block).
// logits, noise (nullable) [S, E] F32 -> gates [S, E] F32, expert1 [S], expert2 [S] (-1 when topk = 1).
extern "C" __global__ void eve_moe_gate_topk(const float* logits, const float* noise, float* gates, int* expert1,
                                             int* expert2, int S, int E, int topk) {
    const long long s = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (s >= S) return;
    const float* l = logits + s * E;
    float* g = gates + s * E;
    float mx = -EVE_INF;
    for (int e = lane; e < E; e += 32) mx = fmaxf(mx, l[e]);
    mx = eve_warp_max(mx);
    float sum = 0.0f;
    for (int e = lane; e < E; e += 32) sum += expf(l[e] - mx);
    sum = eve_warp_sum(sum);
    const float inv = 1.0f / sum;
    float bv = 0.0f;
    int bi = -1;
    for (int e = lane; e < E; e += 32) {
        float p = expf(l[e] - mx) * inv;
        g[e] = p;
        if (eve_argmax_better(p, e, bv, bi)) { bv = p; bi = e; }
    }
    eve_warp_argmax(bv, bi);
    const int e1 = bi;
    int e2 = -1;
    if (topk == 2) {
        bv = 0.0f;
        bi = -1;
        for (int e = lane; e < E; e += 32) {
            if (e == e1) continue;
            float v = l[e] + (noise ? noise[s * E + e] : 0.0f);
            if (eve_argmax_better(v, e, bv, bi)) { bv = v; bi = e; }
        }
        eve_warp_argmax(bv, bi);
        e2 = bi;
    }
    if (lane == 0) {
        expert1[s] = e1;
        expert2[s] = e2;
    }
}

// ------------------------------------------------------------------------------------- capacity positions

// Exclusive block-wide prefix count of `flag` over the threads of a block (in thread order) using
// warp ballots; returns the prefix and sets *total. warp_counts: >= 32 ints of shared memory.
__device__ __forceinline__ int eve_block_prefix(bool flag, int* warp_counts, int* total) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const unsigned ballot = __ballot_sync(0xffffffffu, flag);
    const int in_warp = __popc(ballot & ((1u << lane) - 1u));
    __syncthreads();  // warp_counts may still be read by the previous round
    if (lane == 0) warp_counts[warp] = __popc(ballot);
    __syncthreads();
    int before = 0, all = 0;
    for (int w = 0; w < warps; w++) {
        const int c = warp_counts[w];
        if (w < warp) before += c;
        all += c;
    }
    *total = all;
    return before + in_warp;
}

// One block per expert (blockDim a multiple of 32). Walks the tokens in order, a block-width chunk at a
// time, ranking the tokens routed to its expert: first choices, then second choices after all first
// choices (GShard). Writes slot1/slot2 of its tokens (-1 when past capacity), counts[e] (first
// choices before dropping), assigned[e] (kept assignments = rows used in the dispatch buffer) and
// gate_mean[e] = mean_s gates[s, e] (for l_aux).
extern "C" __global__ void eve_moe_positions(const int* expert1, const int* expert2, const float* gates, int* slot1,
                                             int* slot2, int* counts, int* assigned, float* gate_mean, int S, int E,
                                             int topk, int capacity) {
    __shared__ int warp_counts[32];
    __shared__ float scratch[32];
    const int e = blockIdx.x;
    int base = 0, total;
    for (int s0 = 0; s0 < S; s0 += blockDim.x) {
        const int s = s0 + threadIdx.x;
        const bool mine = s < S && expert1[s] == e;
        const int loc = base + eve_block_prefix(mine, warp_counts, &total);
        if (mine) slot1[s] = loc < capacity ? loc : -1;
        base += total;
    }
    const int first = base;
    if (topk == 2) {
        base = 0;
        for (int s0 = 0; s0 < S; s0 += blockDim.x) {
            const int s = s0 + threadIdx.x;
            const bool mine = s < S && expert2[s] == e;
            const long long loc = (long long)first + base + eve_block_prefix(mine, warp_counts, &total);
            if (mine) slot2[s] = loc < capacity ? (int)loc : -1;
            base += total;
        }
    } else {
        base = 0;
    }
    float g = 0.0f;
    for (int s = threadIdx.x; s < S; s += blockDim.x) g += gates[(long long)s * E + e];
    g = eve_block_sum(g, scratch);
    if (threadIdx.x == 0) {
        counts[e] = first;
        const long long used = (long long)first + base;
        assigned[e] = (int)(used < capacity ? used : capacity);
        gate_mean[e] = g / S;
    }
}

// Combine weights (one thread per token): w = kept gate, renormalised for top-2 by max(g1 + g2, eps).
extern "C" __global__ void eve_moe_combine_weights(const float* gates, const int* expert1, const int* expert2,
                                                   const int* slot1, const int* slot2, float* w1, float* w2, int S,
                                                   int E, int topk, float eps) {
    const long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= S) return;
    const float g1 = slot1[s] >= 0 ? gates[s * E + expert1[s]] : 0.0f;
    if (topk == 1) {
        w1[s] = g1;
        if (w2) w2[s] = 0.0f;
        return;
    }
    const float g2 = slot2[s] >= 0 ? gates[s * E + expert2[s]] : 0.0f;
    const float denom = fmaxf(g1 + g2, eps);
    w1[s] = g1 / denom;
    w2[s] = g2 / denom;
}

// l_aux = mean_e(gate_mean[e] * counts[e] / S) * E^2, one warp (experts summed in a fixed order).
extern "C" __global__ void eve_moe_aux_loss(const float* gate_mean, const int* counts, float* l_aux, int S, int E) {
    float acc = 0.0f;
    for (int e = threadIdx.x; e < E; e += 32) acc += gate_mean[e] * ((float)counts[e] / S);
    acc = eve_warp_sum(acc);
    if (threadIdx.x == 0) l_aux[0] = acc / E * ((float)E * E);
}

// ------------------------------------------------------------------------------------- dispatch / combine
//
// Packed rows: the expert buffer holds only the kept assignments, expert by expert (expert e owns rows
// offset[e] .. offset[e] + assigned[e] - 1, offset = exclusive prefix sum of assigned, in slot order), so
// each expert's input is a contiguous slice and nothing is padded. rows [k, S] I32 maps assignment
// (j, s) to its buffer row, -1 when dropped; kept entries are distinct (one writer per buffer row).

// rows[j, s] = offset[e_j(s)] + slot_j(s), or -1 when dropped (j = 0: first choice, 1: second). One
// thread per assignment; every block builds the E offsets in shared memory (dynamic, 4·E bytes) from
// `assigned` (eve_moe_positions) first.
extern "C" __global__ void eve_moe_rows(const int* expert1, const int* expert2, const int* slot1, const int* slot2,
                                        const int* assigned, int* rows, int S, int E, int topk) {
    extern __shared__ int offsets[];
    if (threadIdx.x == 0) {
        int acc = 0;
        for (int e = 0; e < E; e++) {
            offsets[e] = acc;
            acc += assigned[e];
        }
    }
    __syncthreads();
    const long long a = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (a >= (long long)S * topk) return;
    const long long s = a < S ? a : a - S;
    const int slot = a < S ? slot1[s] : slot2[s];
    rows[a] = slot < 0 ? -1 : offsets[a < S ? expert1[s] : expert2[s]] + slot;
}

// buf[rows[j, s], :] = tokens[s, :] for every kept assignment. One block per token. buf [R, H] must be
// zeroed first when some of its rows are named by no assignment.
template <typename T>
__device__ void moe_dispatch(const T* __restrict__ tokens, const int* __restrict__ rows, T* __restrict__ buf, int S,
                             int H, int k) {
    const long long s = blockIdx.x;
    const T* src = tokens + s * H;
    for (int j = 0; j < k; j++) {
        const int r = rows[(long long)j * S + s];
        if (r < 0) continue;
        T* dst = buf + (long long)r * H;
        for (int h = threadIdx.x; h < H; h += blockDim.x) dst[h] = src[h];
    }
}

// out[s, :] = sum_j w[j, s] y[rows[j, s], :] over kept j in order, from 0 (w null: all ones); a token
// with every assignment dropped gets 0. One block per token. The products and sums are explicitly
// rounded (__fmul_rn, __fadd_rn: no FMA contraction), so for F32 the result equals the CPU backend's.
template <typename T>
__device__ void moe_combine(const T* __restrict__ y, const int* __restrict__ rows, const float* __restrict__ w,
                            T* __restrict__ out, int S, int H, int k) {
    const long long s = blockIdx.x;
    for (int h = threadIdx.x; h < H; h += blockDim.x) {
        float v = 0.0f;
        for (int j = 0; j < k; j++) {
            const long long a = (long long)j * S + s;
            const int r = rows[a];
            if (r < 0) continue;
            const float x = eve_to_float(y[(long long)r * H + h]);
            v = __fadd_rn(v, w ? __fmul_rn(w[a], x) : x);
        }
        out[s * H + h] = eve_from_float<T>(v);
    }
}

// Backward of combine. One block per token: dy[rows[j, s], :] = w[j, s] dout[s, :] (w null: all ones)
// and dw[j, s] = dout[s] . y[rows[j, s]] (0 when dropped; dw null: not wanted). dy [R, H] must be zeroed
// first when some of its rows are named by no assignment.
template <typename T>
__device__ void moe_combine_bwd(const T* __restrict__ dout, const T* __restrict__ y, const int* __restrict__ rows,
                                const float* __restrict__ w, T* __restrict__ dy, float* __restrict__ dw, int S, int H,
                                int k) {
    __shared__ float scratch[32];
    const long long s = blockIdx.x;
    for (int j = 0; j < k; j++) {
        const long long a = (long long)j * S + s;
        const int r = rows[a];
        if (r < 0) {  // uniform over the block: no barrier divergence
            if (dw && threadIdx.x == 0) dw[a] = 0.0f;
            continue;
        }
        const float wt = w ? w[a] : 1.0f;
        const long long base = (long long)r * H;
        float dot = 0.0f;
        for (int h = threadIdx.x; h < H; h += blockDim.x) {
            const float g = eve_to_float(dout[s * H + h]);
            if (dw) dot += g * eve_to_float(y[base + h]);
            dy[base + h] = eve_from_float<T>(__fmul_rn(wt, g));
        }
        if (dw) {  // dw is uniform over the block too
            dot = eve_block_sum(dot, scratch);
            if (threadIdx.x == 0) dw[a] = dot;
        }
    }
}

// Backward of dispatch: dx[s, :] (+)= sum_j dbuf[rows[j, s], :] over kept j in order. One block per
// token. accumulate = 1 adds to dx (e.g. on top of the router's dlogits . Wg), 0 overwrites (then this
// is moe_combine with w = null).
template <typename T>
__device__ void moe_dispatch_bwd(const T* __restrict__ dbuf, const int* __restrict__ rows, T* __restrict__ dx, int S,
                                 int H, int k, int accumulate) {
    const long long s = blockIdx.x;
    for (int h = threadIdx.x; h < H; h += blockDim.x) {
        float v = accumulate ? eve_to_float(dx[s * H + h]) : 0.0f;
        for (int j = 0; j < k; j++) {
            const int r = rows[(long long)j * S + s];
            if (r >= 0) v = __fadd_rn(v, eve_to_float(dbuf[(long long)r * H + h]));
        }
        dx[s * H + h] = eve_from_float<T>(v);
    }
}

// ------------------------------------------------------------------------------------- gate backward

// dlogits [S, E] F32 from the gradients of the combine weights (dw1, dw2 [S]) and of l_aux (d_laux: a
// device scalar, or null for none), through the renormalisation, the kept-gate gather and the softmax:
//   dG[s, e]  = d_laux * E * (counts[e] / S) / S                          (l_aux; counts are constant)
//   top-1:    dG[s, e1] += dw1                                            (if kept)
//   top-2:    with sum = g1 + g2, denom = max(sum, eps):
//             dg_k = dw_k / denom - [sum >= eps] (dw1 g1 + dw2 g2) / denom^2, dG[s, e_k] += dg_k if kept
//   dlogits   = G * (dG - sum_e G dG)
// One warp per token, 8 per 256-thread block.
extern "C" __global__ void eve_moe_gates_bwd(const float* gates, const int* expert1, const int* expert2,
                                             const int* slot1, const int* slot2, const float* dw1, const float* dw2,
                                             const int* counts, const float* d_laux, float* dlogits, int S, int E,
                                             int topk, float eps) {
    const long long s = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (s >= S) return;
    const float* g = gates + s * E;
    const float la = d_laux ? d_laux[0] : 0.0f;
    const int e1 = expert1[s], e2 = topk == 2 ? expert2[s] : -1;
    const bool k1 = slot1[s] >= 0, k2 = topk == 2 && slot2[s] >= 0;
    float dg1 = 0.0f, dg2 = 0.0f;
    if (topk == 1) {
        dg1 = dw1[s];
    } else {
        const float g1 = k1 ? g[e1] : 0.0f, g2 = k2 ? g[e2] : 0.0f;
        const float sum = g1 + g2, denom = fmaxf(sum, eps);
        const float a = dw1[s], b = dw2[s];
        const float dsum = sum >= eps ? -(a * g1 + b * g2) / (denom * denom) : 0.0f;
        dg1 = a / denom + dsum;
        dg2 = b / denom + dsum;
    }
    // dG in registers lane-strided; the dot G . dG by a warp reduction.
    float dot = 0.0f;
    for (int e = lane; e < E; e += 32) {
        float d = la * E * ((float)counts[e] / S) / S;
        if (k1 && e == e1) d += dg1;
        if (k2 && e == e2) d += dg2;
        dot += g[e] * d;
    }
    dot = eve_warp_sum(dot);
    for (int e = lane; e < E; e += 32) {
        float d = la * E * ((float)counts[e] / S) / S;
        if (k1 && e == e1) d += dg1;
        if (k2 && e == e2) d += dg2;
        dlogits[s * E + e] = g[e] * (d - dot);
    }
}

// Router backward, for backends that do not use cuBLAS for it:
// dshifted[s, :] (+)= dlogits[s, :] . Wg (one block per token, blockDim a multiple of 32;
// accumulate = 1 adds to dshifted).
template <typename T>
__device__ void moe_router_bwd_input(const float* __restrict__ dlogits, const float* __restrict__ wg,
                                     T* __restrict__ dshifted, int S, int H, int E, int accumulate) {
    const long long s = blockIdx.x;
    for (int h = threadIdx.x; h < H; h += blockDim.x) {
        float v = accumulate ? eve_to_float(dshifted[s * H + h]) : 0.0f;
        for (int e = 0; e < E; e++) v += dlogits[s * E + e] * wg[(long long)e * H + h];
        dshifted[s * H + h] = eve_from_float<T>(v);
    }
}

// Column sums over token groups, for dWg and the modality embeddings (deterministic two-stage sums).
// Stage 1: grid (ceil(H/256), G), block 256: block (hx, g) sums tokens [g*S/G, (g+1)*S/G) in order:
//   part_wg[g, e, h]  = sum_s dlogits[s, e] * shifted[s, h]        (if part_wg != null)
//   part_vis[g, h]    = sum over vision tokens of dshifted[s, h]    (if part_vis != null)
//   part_txt[g, h]    = sum over text tokens of dshifted[s, h]      (if part_txt != null)
// Stage 2 (eve_moe_param_grad_reduce) adds the G partials in order.
template <typename T>
__device__ void moe_param_grad_partial(const float* __restrict__ dlogits, const T* __restrict__ shifted,
                                       const T* __restrict__ dshifted, float* __restrict__ part_wg,
                                       float* __restrict__ part_vis, float* __restrict__ part_txt, int S, int H, int E,
                                       int seq_len, int vision_tokens) {
    const int h = blockIdx.x * blockDim.x + threadIdx.x;
    const int g = blockIdx.y, G = gridDim.y;
    if (h >= H) return;
    const long long s0 = (long long)S * g / G, s1 = (long long)S * (g + 1) / G;
    if (part_vis || part_txt) {
        float vis = 0.0f, txt = 0.0f;
        for (long long s = s0; s < s1; s++) {
            const float d = eve_to_float(dshifted[s * H + h]);
            if ((int)(s % seq_len) < vision_tokens) vis += d; else txt += d;
        }
        if (part_vis) part_vis[(long long)g * H + h] = vis;
        if (part_txt) part_txt[(long long)g * H + h] = txt;
    }
    if (part_wg) {
        for (int e = 0; e < E; e++) {
            float acc = 0.0f;
            for (long long s = s0; s < s1; s++) acc += dlogits[s * E + e] * eve_to_float(shifted[s * H + h]);
            part_wg[((long long)g * E + e) * H + h] = acc;
        }
    }
}

// out[i] = sum_g part[g, i] for i < width (width = E*H for dWg, H for the embeddings).
// grid ceil(width/256), block 256.
extern "C" __global__ void eve_moe_param_grad_reduce(const float* part, float* out, long long width, int G) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= width) return;
    float s = 0.0f;
    for (int g = 0; g < G; g++) s += part[(long long)g * width + i];
    out[i] = s;
}

// ------------------------------------------------------------------------------------- exports
#define EVE_MOE_EXPORTS(SUFFIX, T)                                                                                 \
    extern "C" __global__ void eve_moe_router_fwd_##SUFFIX(const T* x, const float* vision_embed,                  \
                                                          const float* text_embed, const float* wg, T* shifted,   \
                                                          float* logits, int S, int H, int E, int seq_len,        \
                                                          int vision_tokens) {                                    \
        moe_router_fwd<T>(x, vision_embed, text_embed, wg, shifted, logits, S, H, E, seq_len, vision_tokens);     \
    }                                                                                                              \
    extern "C" __global__ void eve_moe_dispatch_##SUFFIX(const T* tokens, const int* rows, T* buf, int S, int H,  \
                                                        int k) {                                                  \
        moe_dispatch<T>(tokens, rows, buf, S, H, k);                                                               \
    }                                                                                                              \
    extern "C" __global__ void eve_moe_combine_##SUFFIX(const T* y, const int* rows, const float* w, T* out, int S, \
                                                       int H, int k) {                                            \
        moe_combine<T>(y, rows, w, out, S, H, k);                                                                  \
    }                                                                                                              \
    extern "C" __global__ void eve_moe_combine_bwd_##SUFFIX(const T* dout, const T* y, const int* rows,            \
                                                           const float* w, T* dy, float* dw, int S, int H,        \
                                                           int k) {                                               \
        moe_combine_bwd<T>(dout, y, rows, w, dy, dw, S, H, k);                                                     \
    }                                                                                                              \
    extern "C" __global__ void eve_moe_dispatch_bwd_##SUFFIX(const T* dbuf, const int* rows, T* dx, int S, int H,  \
                                                            int k, int accumulate) {                              \
        moe_dispatch_bwd<T>(dbuf, rows, dx, S, H, k, accumulate);                                                  \
    }                                                                                                              \
    extern "C" __global__ void eve_moe_router_bwd_input_##SUFFIX(const float* dlogits, const float* wg,            \
                                                                T* dshifted, int S, int H, int E,                 \
                                                                int accumulate) {                                 \
        moe_router_bwd_input<T>(dlogits, wg, dshifted, S, H, E, accumulate);                                       \
    }                                                                                                              \
    extern "C" __global__ void eve_moe_param_grad_partial_##SUFFIX(                                                \
        const float* dlogits, const T* shifted, const T* dshifted, float* part_wg, float* part_vis,               \
        float* part_txt, int S, int H, int E, int seq_len, int vision_tokens) {                                    \
        moe_param_grad_partial<T>(dlogits, shifted, dshifted, part_wg, part_vis, part_txt, S, H, E, seq_len,       \
                                  vision_tokens);                                                                  \
    }

EVE_MOE_EXPORTS(f32, float)
EVE_MOE_EXPORTS(bf16, eve_bf16)
EVE_MOE_EXPORTS(f16, eve_f16)
