// attention.cu: fused scaled-dot-product attention with a key-padding mask, FlashAttention-2 style
// (Backend.attention / attentionBackward): tiled over keys with an online softmax, so no [Nq, Nk]
// score matrix ever exists; the forward saves the row log-sum-exp and the backward recomputes the
// probabilities from it.
//
// Layout (the backend makes every input contiguous):
//   q, out, dout, dq  [B, H, Nq, D]      k, v, dk, dv  [B, H, Nk, D]      of the suffix's type
//   lse, delta        [B, H, Nq]  F32    (lse in natural-log units: log sum_j exp(scale * q.k_j))
//   key_mask          [B, Nk]  any dtype given by mask_kind (0 none, 1 u8/BOOL, 2 I32, 3 I64, 4 F32),
//                     non-zero = attend
// Head dim D is a template parameter: 64 and 128 are instantiated (EVE-B and EVE-L use 64).
//
// Two implementations:
//   * SIMT (every dtype; F32 math in CUDA cores) -- eve_attention_{fwd,bwd_dq,bwd_dkdv}_<t>_d<D>;
//   * tensor cores (bf16 / f16) -- eve_attention_{fwd,bwd_dq,bwd_dkdv}_mma_<t>_d<D>, mma.sync m16n8k16
//     with F32 accumulators (second half of this file); the delta kernel is shared.
//
// Fully masked query rows (every key masked): PyTorch's masked_fill(-inf) + softmax, and the CPU kernel,
// give NaN. The `empty_nan` argument picks the behaviour: 1 = NaN output and NaN lse (the CPU backend's
// result), 0 = zero output and lse = -inf (what training code usually wants). The backward treats a
// non-finite lse as "row attends to nothing": that row contributes nothing to dK/dV and gets dQ = 0
// (the CPU kernel would propagate NaN there).
//
// Numerics: scores are kept in log2 units (q pre-multiplied by scale * log2 e) so the exponentials are
// exp2f, a single MUFU instruction; all accumulation is F32.
#include "fused_common.cuh"
#include "fused_mma.cuh"

// ====================================================================================================
// SIMT kernels
// ====================================================================================================
//
// Forward tiling. A block is 4 warps and owns 16 query rows of one (batch, head): each warp owns 4
// rows. Keys come in tiles of 32, one key per lane, so that a warp scores its 4 rows against the tile
// with each lane doing one full dot product (no shuffle reduction per score) and the online-softmax
// max/sum are one warp reduction per row per tile. For P.V the roles swap: lane l owns output columns
// l, l+32, .. of each of its rows and the 32 probabilities are broadcast with shuffles.
// Shared memory: Q tile 16 x D, K tile 32 x (D+1) (the +1 pad makes the column walk of 32 lanes over 32
// different rows hit 32 different banks), V tile 32 x D (read along rows: no conflicts). D = 128:
// 8 + 16.1 + 16 KB, under the 48 KB static limit.

#define EVE_ATT_WARPS 4
#define EVE_ATT_ROWS 4                                  // query rows per warp
#define EVE_ATT_QTILE (EVE_ATT_WARPS * EVE_ATT_ROWS)    // 16 query rows per block
#define EVE_ATT_KTILE 32                                // keys per tile = lanes

__device__ __forceinline__ bool eve_key_ok(const void* mask, int kind, int b, int nk, int j) {
    return j < nk && (kind == EVE_MASK_NONE || eve_mask_at(mask, kind, (long long)b * nk + j));
}

template <typename T, int D>
__device__ void attention_fwd_simt(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                   const void* __restrict__ mask, int mask_kind, T* __restrict__ out,
                                   float* __restrict__ lse, int H, int nq, int nk, float scale, int empty_nan) {
    __shared__ float qs[EVE_ATT_QTILE][D];
    __shared__ float ks[EVE_ATT_KTILE][D + 1];
    __shared__ float vs[EVE_ATT_KTILE][D];
    __shared__ bool kok[EVE_ATT_KTILE];
    const int qtiles = (nq + EVE_ATT_QTILE - 1) / EVE_ATT_QTILE;
    const int bh = blockIdx.x / qtiles, q0 = (blockIdx.x % qtiles) * EVE_ATT_QTILE;
    const int b = bh / H;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const T* qb = q + ((long long)bh * nq) * D;
    const T* kb = k + ((long long)bh * nk) * D;
    const T* vb = v + ((long long)bh * nk) * D;
    const float qscale = scale * EVE_LOG2E;

    for (int i = tid; i < EVE_ATT_QTILE * D; i += blockDim.x) {
        int r = i / D, d = i % D;
        qs[r][d] = q0 + r < nq ? eve_to_float(qb[(long long)(q0 + r) * D + d]) * qscale : 0.0f;
    }
    float m[EVE_ATT_ROWS], l[EVE_ATT_ROWS], acc[EVE_ATT_ROWS][D / 32];
#pragma unroll
    for (int r = 0; r < EVE_ATT_ROWS; r++) {
        m[r] = -EVE_INF;
        l[r] = 0.0f;
#pragma unroll
        for (int i = 0; i < D / 32; i++) acc[r][i] = 0.0f;
    }

    for (int k0 = 0; k0 < nk; k0 += EVE_ATT_KTILE) {
        __syncthreads();  // previous tile fully used (and, the first time, qs written)
        for (int i = tid; i < EVE_ATT_KTILE * D; i += blockDim.x) {
            int j = i / D, d = i % D;
            bool in = k0 + j < nk;
            ks[j][d] = in ? eve_to_float(kb[(long long)(k0 + j) * D + d]) : 0.0f;
            vs[j][d] = in ? eve_to_float(vb[(long long)(k0 + j) * D + d]) : 0.0f;
        }
        if (tid < EVE_ATT_KTILE) kok[tid] = eve_key_ok(mask, mask_kind, b, nk, k0 + tid);
        __syncthreads();

        // Scores of this warp's rows against key `lane` (log2 units).
        float s[EVE_ATT_ROWS];
#pragma unroll
        for (int r = 0; r < EVE_ATT_ROWS; r++) s[r] = 0.0f;
#pragma unroll 8
        for (int d = 0; d < D; d++) {
            float kd = ks[lane][d];
#pragma unroll
            for (int r = 0; r < EVE_ATT_ROWS; r++) s[r] += qs[warp * EVE_ATT_ROWS + r][d] * kd;
        }
        const bool ok = kok[lane];
        float p[EVE_ATT_ROWS];
#pragma unroll
        for (int r = 0; r < EVE_ATT_ROWS; r++) {
            float sr = ok ? s[r] : -EVE_INF;
            float mn = fmaxf(m[r], eve_warp_max(sr));
            // mn = -inf: nothing attended yet; keep the state (avoids (-inf) - (-inf) = NaN).
            float alpha = mn == -EVE_INF ? 1.0f : exp2f(m[r] - mn);
            p[r] = ok ? exp2f(sr - mn) : 0.0f;
            l[r] = l[r] * alpha + eve_warp_sum(p[r]);
            m[r] = mn;
#pragma unroll
            for (int i = 0; i < D / 32; i++) acc[r][i] *= alpha;
        }
        // acc += P V: probability of key j broadcast from lane j.
#pragma unroll 4
        for (int j = 0; j < EVE_ATT_KTILE; j++) {
            float vj[D / 32];
#pragma unroll
            for (int i = 0; i < D / 32; i++) vj[i] = vs[j][lane + 32 * i];
#pragma unroll
            for (int r = 0; r < EVE_ATT_ROWS; r++) {
                float pj = __shfl_sync(0xffffffffu, p[r], j);
#pragma unroll
                for (int i = 0; i < D / 32; i++) acc[r][i] += pj * vj[i];
            }
        }
    }

#pragma unroll
    for (int r = 0; r < EVE_ATT_ROWS; r++) {
        const int row = q0 + warp * EVE_ATT_ROWS + r;
        if (row >= nq) continue;
        const bool empty = l[r] == 0.0f;
        const float inv = empty ? 0.0f : 1.0f / l[r];
        T* o = out + ((long long)bh * nq + row) * D;
#pragma unroll
        for (int i = 0; i < D / 32; i++)
            o[lane + 32 * i] = eve_from_float<T>(empty ? (empty_nan ? EVE_NAN : 0.0f) : acc[r][i] * inv);
        if (lane == 0)
            lse[(long long)bh * nq + row] = empty ? (empty_nan ? EVE_NAN : -EVE_INF) : (m[r] + log2f(l[r])) * EVE_LN2;
    }
}

// delta[row] = sum_d dout[row][d] * out[row][d]: the D_i of FlashAttention-2's backward. One warp per
// row, 8 rows per 256-thread block; rows = B * H * Nq.
template <typename T>
__device__ void attention_bwd_delta(const T* __restrict__ out, const T* __restrict__ dout, float* __restrict__ delta,
                                    long long rows, int D) {
    const long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    float acc = 0.0f;
    for (int d = lane; d < D; d += 32) acc += eve_to_float(out[row * D + d]) * eve_to_float(dout[row * D + d]);
    acc = eve_warp_sum(acc);
    if (lane == 0) delta[row] = acc;
}

// dQ. Same tiling as the forward (4 warps x 4 query rows, 32-key tiles, lane = key for the dot
// products, lane = output column for the accumulation). Per tile and row:
//   p_j = exp(s_j - lse), dp_j = dO . v_j, ds_j = p_j (dp_j - delta), dQ += scale * sum_j ds_j k_j.
// Shared memory: Q and dO tiles 16 x D each, K and V tiles 32 x (D+1): 49,408 bytes at D = 128, so this
// kernel takes dynamic shared memory (the launcher raises the limit).
template <typename T, int D>
__device__ void attention_bwd_dq_simt(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                      const void* __restrict__ mask, int mask_kind, const T* __restrict__ dout,
                                      const float* __restrict__ lse, const float* __restrict__ delta,
                                      T* __restrict__ dq, int H, int nq, int nk, float scale) {
    extern __shared__ float smem[];
    float(*qs)[D] = (float(*)[D])smem;
    float(*dos)[D] = (float(*)[D])(smem + EVE_ATT_QTILE * D);
    float(*ks)[D + 1] = (float(*)[D + 1])(smem + 2 * EVE_ATT_QTILE * D);
    float(*vs)[D + 1] = (float(*)[D + 1])(smem + 2 * EVE_ATT_QTILE * D + EVE_ATT_KTILE * (D + 1));
    __shared__ bool kok[EVE_ATT_KTILE];
    const int qtiles = (nq + EVE_ATT_QTILE - 1) / EVE_ATT_QTILE;
    const int bh = blockIdx.x / qtiles, q0 = (blockIdx.x % qtiles) * EVE_ATT_QTILE;
    const int b = bh / H;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const T* kb = k + ((long long)bh * nk) * D;
    const T* vb = v + ((long long)bh * nk) * D;
    const float qscale = scale * EVE_LOG2E;

    for (int i = tid; i < EVE_ATT_QTILE * D; i += blockDim.x) {
        int r = i / D, d = i % D;
        bool in = q0 + r < nq;
        long long off = ((long long)bh * nq + q0 + r) * D + d;
        qs[r][d] = in ? eve_to_float(q[off]) * qscale : 0.0f;
        dos[r][d] = in ? eve_to_float(dout[off]) : 0.0f;
    }
    float lse2[EVE_ATT_ROWS], dl[EVE_ATT_ROWS], acc[EVE_ATT_ROWS][D / 32];
#pragma unroll
    for (int r = 0; r < EVE_ATT_ROWS; r++) {
        const int row = q0 + warp * EVE_ATT_ROWS + r;
        float lr = row < nq ? lse[(long long)bh * nq + row] : EVE_NAN;
        // A row that attends to nothing (lse NaN or -inf) or lies past Nq: +inf makes every p zero.
        lse2[r] = eve_isfinite(lr) ? lr * EVE_LOG2E : EVE_INF;
        // An empty row's delta is rowsum(dO * NaN) = NaN with empty_nan; 0 keeps ds = 0 * (dp - 0) = 0.
        dl[r] = eve_isfinite(lr) ? delta[(long long)bh * nq + row] : 0.0f;
#pragma unroll
        for (int i = 0; i < D / 32; i++) acc[r][i] = 0.0f;
    }

    for (int k0 = 0; k0 < nk; k0 += EVE_ATT_KTILE) {
        __syncthreads();
        for (int i = tid; i < EVE_ATT_KTILE * D; i += blockDim.x) {
            int j = i / D, d = i % D;
            bool in = k0 + j < nk;
            ks[j][d] = in ? eve_to_float(kb[(long long)(k0 + j) * D + d]) : 0.0f;
            vs[j][d] = in ? eve_to_float(vb[(long long)(k0 + j) * D + d]) : 0.0f;
        }
        if (tid < EVE_ATT_KTILE) kok[tid] = eve_key_ok(mask, mask_kind, b, nk, k0 + tid);
        __syncthreads();

        float s[EVE_ATT_ROWS], dp[EVE_ATT_ROWS];
#pragma unroll
        for (int r = 0; r < EVE_ATT_ROWS; r++) s[r] = dp[r] = 0.0f;
#pragma unroll 4
        for (int d = 0; d < D; d++) {
            float kd = ks[lane][d], vd = vs[lane][d];
#pragma unroll
            for (int r = 0; r < EVE_ATT_ROWS; r++) {
                s[r] += qs[warp * EVE_ATT_ROWS + r][d] * kd;
                dp[r] += dos[warp * EVE_ATT_ROWS + r][d] * vd;
            }
        }
        const bool ok = kok[lane];
        float ds[EVE_ATT_ROWS];
#pragma unroll
        for (int r = 0; r < EVE_ATT_ROWS; r++) {
            float p = ok ? exp2f(s[r] - lse2[r]) : 0.0f;
            ds[r] = p * (dp[r] - dl[r]);
        }
#pragma unroll 4
        for (int j = 0; j < EVE_ATT_KTILE; j++) {
            float kj[D / 32];
#pragma unroll
            for (int i = 0; i < D / 32; i++) kj[i] = ks[j][lane + 32 * i];
#pragma unroll
            for (int r = 0; r < EVE_ATT_ROWS; r++) {
                float dsj = __shfl_sync(0xffffffffu, ds[r], j);
#pragma unroll
                for (int i = 0; i < D / 32; i++) acc[r][i] += dsj * kj[i];
            }
        }
    }
#pragma unroll
    for (int r = 0; r < EVE_ATT_ROWS; r++) {
        const int row = q0 + warp * EVE_ATT_ROWS + r;
        if (row >= nq) continue;
        T* o = dq + ((long long)bh * nq + row) * D;
#pragma unroll
        for (int i = 0; i < D / 32; i++) o[lane + 32 * i] = eve_from_float<T>(acc[r][i] * scale);
    }
}

// dK and dV. A block owns 32 keys of one (batch, head) and walks all query rows, so each dK/dV row has
// one writer and no atomics are needed (deterministic; dQ is the separate kernel above, which redoes
// the score work rather than atomically accumulating across key blocks).
// Thread (warp w, lane l) owns key l and the column slice [w D/4, (w+1) D/4) of it: its slices of k, v,
// dk, dv live in registers (4 x D/4 floats: 128 registers at D = 128). Per tile of 16 query rows every
// thread computes its slice's partial q.k and dO.v, the 4 warps' partials meet in shared memory, and
// each thread then adds p dO (dV) and ds q (dK) over its slice.
#define EVE_ATT_BWD_QTILE 16

template <typename T, int D>
__device__ void attention_bwd_dkdv_simt(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                        const void* __restrict__ mask, int mask_kind, const T* __restrict__ dout,
                                        const float* __restrict__ lse, const float* __restrict__ delta,
                                        T* __restrict__ dk, T* __restrict__ dv, int H, int nq, int nk, float scale) {
    constexpr int DS = D / EVE_ATT_WARPS;  // columns per warp
    __shared__ float qs[EVE_ATT_BWD_QTILE][D];
    __shared__ float dos[EVE_ATT_BWD_QTILE][D];
    __shared__ float ps[EVE_ATT_BWD_QTILE][EVE_ATT_WARPS][32];
    __shared__ float dps[EVE_ATT_BWD_QTILE][EVE_ATT_WARPS][32];
    __shared__ float lse2[EVE_ATT_BWD_QTILE], dl[EVE_ATT_BWD_QTILE];
    const int ktiles = (nk + EVE_ATT_KTILE - 1) / EVE_ATT_KTILE;
    const int bh = blockIdx.x / ktiles, k0 = (blockIdx.x % ktiles) * EVE_ATT_KTILE;
    const int b = bh / H;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int key = k0 + lane, c0 = warp * DS;
    const bool ok = eve_key_ok(mask, mask_kind, b, nk, key);
    const float qscale = scale * EVE_LOG2E;

    float kr[DS], vr[DS], dkr[DS], dvr[DS];
#pragma unroll
    for (int i = 0; i < DS; i++) {
        long long off = ((long long)bh * nk + key) * D + c0 + i;
        kr[i] = key < nk ? eve_to_float(k[off]) : 0.0f;
        vr[i] = key < nk ? eve_to_float(v[off]) : 0.0f;
        dkr[i] = dvr[i] = 0.0f;
    }

    for (int r0 = 0; r0 < nq; r0 += EVE_ATT_BWD_QTILE) {
        __syncthreads();  // the previous tile's qs/dos/ps are no longer read
        for (int i = tid; i < EVE_ATT_BWD_QTILE * D; i += blockDim.x) {
            int r = i / D, d = i % D;
            bool in = r0 + r < nq;
            long long off = ((long long)bh * nq + r0 + r) * D + d;
            qs[r][d] = in ? eve_to_float(q[off]) * qscale : 0.0f;
            dos[r][d] = in ? eve_to_float(dout[off]) : 0.0f;
        }
        if (tid < EVE_ATT_BWD_QTILE) {
            bool in = r0 + tid < nq;
            float lr = in ? lse[(long long)bh * nq + r0 + tid] : EVE_NAN;
            lse2[tid] = eve_isfinite(lr) ? lr * EVE_LOG2E : EVE_INF;
            dl[tid] = eve_isfinite(lr) ? delta[(long long)bh * nq + r0 + tid] : 0.0f;  // see the dQ kernel
        }
        __syncthreads();
#pragma unroll 2
        for (int r = 0; r < EVE_ATT_BWD_QTILE; r++) {
            float s = 0.0f, dp = 0.0f;
#pragma unroll
            for (int i = 0; i < DS; i++) {
                s += qs[r][c0 + i] * kr[i];   // broadcast read: the whole warp reads one address
                dp += dos[r][c0 + i] * vr[i];
            }
            ps[r][warp][lane] = s;
            dps[r][warp][lane] = dp;
        }
        __syncthreads();
#pragma unroll 2
        for (int r = 0; r < EVE_ATT_BWD_QTILE; r++) {
            float s = 0.0f, dp = 0.0f;
#pragma unroll
            for (int w = 0; w < EVE_ATT_WARPS; w++) {
                s += ps[r][w][lane];
                dp += dps[r][w][lane];
            }
            float p = ok ? exp2f(s - lse2[r]) : 0.0f;
            float ds = p * (dp - dl[r]);
#pragma unroll
            for (int i = 0; i < DS; i++) {
                dvr[i] += p * dos[r][c0 + i];
                dkr[i] += ds * qs[r][c0 + i];
            }
        }
    }
    if (key < nk) {
        // qs holds q * scale * log2 e, so dK = scale * sum ds q = sum ds qs / log2 e.
#pragma unroll
        for (int i = 0; i < DS; i++) {
            long long off = ((long long)bh * nk + key) * D + c0 + i;
            dk[off] = eve_from_float<T>(dkr[i] * (1.0f / EVE_LOG2E));
            dv[off] = eve_from_float<T>(dvr[i]);
        }
    }
}

// ------------------------------------------------------------------------------------- SIMT exports
// fwd:      grid ceil(Nq/16) * B * H, block 128, static shared memory.
// bwd_delta: grid ceil(B*H*Nq / 8), block 256.
// bwd_dq:   grid ceil(Nq/16) * B * H, block 128, dynamic shared memory
//           (2*16*D + 2*32*(D+1)) * 4 bytes (D=64: 24,832, D=128: 49,408).
// bwd_dkdv: grid ceil(Nk/32) * B * H, block 128, static shared memory.
#define EVE_ATT_SIMT_EXPORTS(SUFFIX, T, D)                                                                          \
    extern "C" __global__ void __launch_bounds__(128) eve_attention_fwd_##SUFFIX##_d##D(                           \
        const T* q, const T* k, const T* v, const void* mask, int mask_kind, T* out, float* lse, int H, int nq,    \
        int nk, float scale, int empty_nan) {                                                                      \
        attention_fwd_simt<T, D>(q, k, v, mask, mask_kind, out, lse, H, nq, nk, scale, empty_nan);                 \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(128) eve_attention_bwd_dq_##SUFFIX##_d##D(                        \
        const T* q, const T* k, const T* v, const void* mask, int mask_kind, const T* dout, const float* lse,      \
        const float* delta, T* dq, int H, int nq, int nk, float scale) {                                           \
        attention_bwd_dq_simt<T, D>(q, k, v, mask, mask_kind, dout, lse, delta, dq, H, nq, nk, scale);             \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(128) eve_attention_bwd_dkdv_##SUFFIX##_d##D(                      \
        const T* q, const T* k, const T* v, const void* mask, int mask_kind, const T* dout, const float* lse,      \
        const float* delta, T* dk, T* dv, int H, int nq, int nk, float scale) {                                    \
        attention_bwd_dkdv_simt<T, D>(q, k, v, mask, mask_kind, dout, lse, delta, dk, dv, H, nq, nk, scale);       \
    }

EVE_ATT_SIMT_EXPORTS(f32, float, 64)
EVE_ATT_SIMT_EXPORTS(f32, float, 128)
EVE_ATT_SIMT_EXPORTS(bf16, eve_bf16, 64)
EVE_ATT_SIMT_EXPORTS(bf16, eve_bf16, 128)
EVE_ATT_SIMT_EXPORTS(f16, eve_f16, 64)
EVE_ATT_SIMT_EXPORTS(f16, eve_f16, 128)

// out, dout: [rows, D] with rows = B*H*Nq; delta [rows] F32.
#define EVE_ATT_DELTA_EXPORT(SUFFIX, T)                                                                            \
    extern "C" __global__ void eve_attention_bwd_delta_##SUFFIX(const T* out, const T* dout, float* delta,         \
                                                               long long rows, int D) {                           \
        attention_bwd_delta<T>(out, dout, delta, rows, D);                                                         \
    }
EVE_ATT_DELTA_EXPORT(f32, float)
EVE_ATT_DELTA_EXPORT(bf16, eve_bf16)
EVE_ATT_DELTA_EXPORT(f16, eve_f16)

// ====================================================================================================
// Tensor-core forward (bf16 / f16), mma.sync m16n8k16 with F32 accumulators
// ====================================================================================================
//
// A block is 4 warps and owns 64 query rows (16 per warp: one mma M tile); keys come in tiles of 64.
//   S = Q K^T:  A = the warp's 16 Q rows, held in registers for the whole kernel (D/16 fragments of 4
//               registers), B = K tile rows from shared memory ("col" operand = K row-major, k-pairs
//               adjacent); 8 key n-tiles x D/16 k-steps of mma per key tile.
//   online softmax on the S accumulators: every thread holds 2 rows (g, g+8) x 16 columns of the tile;
//               row max / sum over the 4 threads of a quad with two xor-shuffles.
//   O += P V:   P goes from the S accumulators straight into A fragments (the C layout of two 8-key tiles
//               is the A layout of a 16-key step), rounded to T; B = V tile, gathered as k-pairs from two
//               shared-memory rows. O lives in registers: D/8 n-tiles x 4 floats.
// Shared memory: K and V tiles 64 x (D + 8) 16-bit values: the 8-element (16-byte) pad staggers the
// rows over the banks so that the 8 rows read by a fragment load hit different banks. D = 128:
// 2 x 17 KB, static.
// The row sums l use the F32 probabilities while P.V uses them rounded to T, as FlashAttention-2 does.

#define EVE_MMA_WARPS 4
#define EVE_MMA_QTILE (16 * EVE_MMA_WARPS)  // 64 query rows per block
#define EVE_MMA_KTILE 64

template <typename T, int D>
__device__ void attention_fwd_mma(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                  const void* __restrict__ mask, int mask_kind, T* __restrict__ out,
                                  float* __restrict__ lse, int H, int nq, int nk, float scale, int empty_nan) {
    constexpr int LD = D + 8;  // shared-memory row stride in 16-bit elements (a multiple of 8: 16-byte rows)
    __shared__ __align__(16) unsigned short ks[EVE_MMA_KTILE * LD];
    __shared__ __align__(16) unsigned short vs[EVE_MMA_KTILE * LD];
    __shared__ bool kok[EVE_MMA_KTILE];
    const int qtiles = (nq + EVE_MMA_QTILE - 1) / EVE_MMA_QTILE;
    const int bh = blockIdx.x / qtiles;
    const int b = bh / H;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int g = lane >> 2, t = lane & 3;
    const int qw = (blockIdx.x % qtiles) * EVE_MMA_QTILE + warp * 16;  // first query row of this warp
    const unsigned short* qb = (const unsigned short*)q + (long long)bh * nq * D;
    const unsigned short* kb = (const unsigned short*)k + (long long)bh * nk * D;
    const unsigned short* vb = (const unsigned short*)v + (long long)bh * nk * D;
    const float qscale = scale * EVE_LOG2E;

    // Q fragments of rows qw + g and qw + g + 8 (zero past Nq): 32-bit loads of adjacent pairs.
    unsigned qf[D / 16][4];
    {
        const int r0 = qw + g, r1 = qw + g + 8;
#pragma unroll
        for (int kc = 0; kc < D / 16; kc++) {
            const int c = kc * 16 + 2 * t;
            qf[kc][0] = r0 < nq ? *(const unsigned*)(qb + (long long)r0 * D + c) : 0u;
            qf[kc][1] = r1 < nq ? *(const unsigned*)(qb + (long long)r1 * D + c) : 0u;
            qf[kc][2] = r0 < nq ? *(const unsigned*)(qb + (long long)r0 * D + c + 8) : 0u;
            qf[kc][3] = r1 < nq ? *(const unsigned*)(qb + (long long)r1 * D + c + 8) : 0u;
        }
    }
    float o[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; i++) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;
    float m[2] = {-EVE_INF, -EVE_INF}, l[2] = {0.0f, 0.0f};

    for (int k0 = 0; k0 < nk; k0 += EVE_MMA_KTILE) {
        __syncthreads();  // the previous tile is no longer read
        // K and V tiles: 16-byte vector copies (a row of D 16-bit values is D/8 of them).
        for (int i = tid; i < EVE_MMA_KTILE * (D / 8); i += blockDim.x) {
            const int j = i / (D / 8), c = (i % (D / 8)) * 8;
            eve_u128 kv = {0u, 0u, 0u, 0u}, vv = {0u, 0u, 0u, 0u};
            if (k0 + j < nk) {
                kv = *(const eve_u128*)(kb + (long long)(k0 + j) * D + c);
                vv = *(const eve_u128*)(vb + (long long)(k0 + j) * D + c);
            }
            *(eve_u128*)(ks + j * LD + c) = kv;
            *(eve_u128*)(vs + j * LD + c) = vv;
        }
        if (tid < EVE_MMA_KTILE) kok[tid] = eve_key_ok(mask, mask_kind, b, nk, k0 + tid);
        __syncthreads();

        // S = Q K^T for 16 rows x 64 keys.
        float s[EVE_MMA_KTILE / 8][4];
#pragma unroll
        for (int nt = 0; nt < EVE_MMA_KTILE / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
            const unsigned short* krow = ks + (nt * 8 + g) * LD + 2 * t;
#pragma unroll
            for (int kc = 0; kc < D / 16; kc++) {
                const unsigned bf[2] = {*(const unsigned*)(krow + kc * 16), *(const unsigned*)(krow + kc * 16 + 8)};
                eve_mma_16816<T>(s[nt], qf[kc], bf);
            }
        }
        // Scale to log2 units, mask, and fold into the running (max, sum) of rows g (i = 0, 1) and
        // g + 8 (i = 2, 3).
#pragma unroll
        for (int nt = 0; nt < EVE_MMA_KTILE / 8; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++) s[nt][i] = kok[nt * 8 + 2 * t + (i & 1)] ? s[nt][i] * qscale : -EVE_INF;
#pragma unroll
        for (int rr = 0; rr < 2; rr++) {
            float mx = -EVE_INF;
#pragma unroll
            for (int nt = 0; nt < EVE_MMA_KTILE / 8; nt++) mx = fmaxf(mx, fmaxf(s[nt][2 * rr], s[nt][2 * rr + 1]));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            const float mn = fmaxf(m[rr], mx);
            // mn = -inf: nothing attended yet; p = 0 and the state stays (no (-inf) - (-inf)).
            const float alpha = mn == -EVE_INF ? 1.0f : exp2f(m[rr] - mn);
            float sum = 0.0f;
#pragma unroll
            for (int nt = 0; nt < EVE_MMA_KTILE / 8; nt++)
#pragma unroll
                for (int i = 2 * rr; i < 2 * rr + 2; i++) {
                    const float p = s[nt][i] == -EVE_INF ? 0.0f : exp2f(s[nt][i] - mn);
                    s[nt][i] = p;
                    sum += p;
                }
            sum += __shfl_xor_sync(0xffffffffu, sum, 1);
            sum += __shfl_xor_sync(0xffffffffu, sum, 2);
            l[rr] = l[rr] * alpha + sum;
            m[rr] = mn;
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
                o[dt][2 * rr] *= alpha;
                o[dt][2 * rr + 1] *= alpha;
            }
        }
        // O += P V, 16 keys per step.
#pragma unroll
        for (int kc = 0; kc < EVE_MMA_KTILE / 16; kc++) {
            const unsigned pa[4] = {eve_pack2<T>(s[2 * kc][0], s[2 * kc][1]), eve_pack2<T>(s[2 * kc][2], s[2 * kc][3]),
                                    eve_pack2<T>(s[2 * kc + 1][0], s[2 * kc + 1][1]),
                                    eve_pack2<T>(s[2 * kc + 1][2], s[2 * kc + 1][3])};
            const unsigned short* v0 = vs + (kc * 16 + 2 * t) * LD + g;
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
                const unsigned short* vp = v0 + dt * 8;
                const unsigned bf[2] = {eve_pack2_bits(vp[0], vp[LD]), eve_pack2_bits(vp[8 * LD], vp[9 * LD])};
                eve_mma_16816<T>(o[dt], pa, bf);
            }
        }
    }

    // Epilogue: rows g and g + 8 of the warp, columns dt*8 + 2t, +1 (adjacent: one 32-bit store).
#pragma unroll
    for (int rr = 0; rr < 2; rr++) {
        const int row = qw + g + 8 * rr;
        if (row >= nq) continue;
        const bool empty = l[rr] == 0.0f;
        const float inv = empty ? 0.0f : 1.0f / l[rr];
        const float fill = empty_nan ? EVE_NAN : 0.0f;
        unsigned* orow = (unsigned*)((unsigned short*)out + ((long long)bh * nq + row) * D);
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++) {
            const float a = empty ? fill : o[dt][2 * rr] * inv, c = empty ? fill : o[dt][2 * rr + 1] * inv;
            orow[(dt * 8 + 2 * t) / 2] = eve_pack2<T>(a, c);
        }
        if (t == 0)
            lse[(long long)bh * nq + row] = empty ? (empty_nan ? EVE_NAN : -EVE_INF) : (m[rr] + log2f(l[rr])) * EVE_LN2;
    }
}

// fwd_mma: grid ceil(Nq/64) * B * H, block 128, static shared memory 2 * 64 * (D+8) * 2 bytes.
// Same arguments and results as eve_attention_fwd_<t>_d<D>.
#define EVE_ATT_MMA_EXPORTS(SUFFIX, T, D)                                                                           \
    extern "C" __global__ void __launch_bounds__(128) eve_attention_fwd_mma_##SUFFIX##_d##D(                       \
        const T* q, const T* k, const T* v, const void* mask, int mask_kind, T* out, float* lse, int H, int nq,    \
        int nk, float scale, int empty_nan) {                                                                      \
        attention_fwd_mma<T, D>(q, k, v, mask, mask_kind, out, lse, H, nq, nk, scale, empty_nan);                  \
    }

EVE_ATT_MMA_EXPORTS(bf16, eve_bf16, 64)
EVE_ATT_MMA_EXPORTS(bf16, eve_bf16, 128)
EVE_ATT_MMA_EXPORTS(f16, eve_f16, 64)
EVE_ATT_MMA_EXPORTS(f16, eve_f16, 128)

// ====================================================================================================
// Tensor-core backward (bf16 / f16)
// ====================================================================================================
//
// The same split as the SIMT backward (dQ per query tile, dK/dV per key tile, no atomics), with every
// product on mma.sync m16n8k16. P and dS are rounded to T where they feed an mma, as FlashAttention-2
// does; everything accumulates in F32.
//
// dQ: 4 warps x 16 query rows (Q and dO fragments in registers), 32-key tiles of K and V in shared
// memory. Per tile: S = Q K^T and dP = dO V^T (A from registers, B = K / V rows), P = exp2(S - lse),
// dS = P (dP - delta), dQ += dS K (A = dS straight from the accumulators, B = K gathered as key pairs).

#define EVE_MMA_BWD_KTILE 32

template <typename T, int D>
__device__ void attention_bwd_dq_mma(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                     const void* __restrict__ mask, int mask_kind, const T* __restrict__ dout,
                                     const float* __restrict__ lse, const float* __restrict__ delta,
                                     T* __restrict__ dq, int H, int nq, int nk, float scale) {
    constexpr int LD = D + 8;
    constexpr int KT = EVE_MMA_BWD_KTILE;
    __shared__ __align__(16) unsigned short ks[KT * LD];
    __shared__ __align__(16) unsigned short vs[KT * LD];
    __shared__ bool kok[KT];
    const int qtiles = (nq + EVE_MMA_QTILE - 1) / EVE_MMA_QTILE;
    const int bh = blockIdx.x / qtiles;
    const int b = bh / H;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int g = lane >> 2, t = lane & 3;
    const int qw = (blockIdx.x % qtiles) * EVE_MMA_QTILE + warp * 16;
    const unsigned short* qb = (const unsigned short*)q + (long long)bh * nq * D;
    const unsigned short* ob = (const unsigned short*)dout + (long long)bh * nq * D;
    const unsigned short* kb = (const unsigned short*)k + (long long)bh * nk * D;
    const unsigned short* vb = (const unsigned short*)v + (long long)bh * nk * D;
    const float qscale = scale * EVE_LOG2E;

    unsigned qf[D / 16][4], of[D / 16][4];
    float lse2[2], dl[2];
#pragma unroll
    for (int rr = 0; rr < 2; rr++) {
        const int row = qw + g + 8 * rr;
        const float lr = row < nq ? lse[(long long)bh * nq + row] : EVE_NAN;
        lse2[rr] = eve_isfinite(lr) ? lr * EVE_LOG2E : EVE_INF;  // empty or padding row: p = 0
        dl[rr] = eve_isfinite(lr) ? delta[(long long)bh * nq + row] : 0.0f;
    }
    {
        const int r0 = qw + g, r1 = qw + g + 8;
#pragma unroll
        for (int kc = 0; kc < D / 16; kc++) {
            const int c = kc * 16 + 2 * t;
            qf[kc][0] = r0 < nq ? *(const unsigned*)(qb + (long long)r0 * D + c) : 0u;
            qf[kc][1] = r1 < nq ? *(const unsigned*)(qb + (long long)r1 * D + c) : 0u;
            qf[kc][2] = r0 < nq ? *(const unsigned*)(qb + (long long)r0 * D + c + 8) : 0u;
            qf[kc][3] = r1 < nq ? *(const unsigned*)(qb + (long long)r1 * D + c + 8) : 0u;
            of[kc][0] = r0 < nq ? *(const unsigned*)(ob + (long long)r0 * D + c) : 0u;
            of[kc][1] = r1 < nq ? *(const unsigned*)(ob + (long long)r1 * D + c) : 0u;
            of[kc][2] = r0 < nq ? *(const unsigned*)(ob + (long long)r0 * D + c + 8) : 0u;
            of[kc][3] = r1 < nq ? *(const unsigned*)(ob + (long long)r1 * D + c + 8) : 0u;
        }
    }
    float acc[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;

    for (int k0 = 0; k0 < nk; k0 += KT) {
        __syncthreads();
        for (int i = tid; i < KT * (D / 8); i += blockDim.x) {
            const int j = i / (D / 8), c = (i % (D / 8)) * 8;
            eve_u128 kv = {0u, 0u, 0u, 0u}, vv = {0u, 0u, 0u, 0u};
            if (k0 + j < nk) {
                kv = *(const eve_u128*)(kb + (long long)(k0 + j) * D + c);
                vv = *(const eve_u128*)(vb + (long long)(k0 + j) * D + c);
            }
            *(eve_u128*)(ks + j * LD + c) = kv;
            *(eve_u128*)(vs + j * LD + c) = vv;
        }
        if (tid < KT) kok[tid] = eve_key_ok(mask, mask_kind, b, nk, k0 + tid);
        __syncthreads();

        float s[KT / 8][4], dp[KT / 8][4];
#pragma unroll
        for (int nt = 0; nt < KT / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
            dp[nt][0] = dp[nt][1] = dp[nt][2] = dp[nt][3] = 0.0f;
            const unsigned short* krow = ks + (nt * 8 + g) * LD + 2 * t;
            const unsigned short* vrow = vs + (nt * 8 + g) * LD + 2 * t;
#pragma unroll
            for (int kc = 0; kc < D / 16; kc++) {
                const unsigned kf[2] = {*(const unsigned*)(krow + kc * 16), *(const unsigned*)(krow + kc * 16 + 8)};
                const unsigned vf[2] = {*(const unsigned*)(vrow + kc * 16), *(const unsigned*)(vrow + kc * 16 + 8)};
                eve_mma_16816<T>(s[nt], qf[kc], kf);
                eve_mma_16816<T>(dp[nt], of[kc], vf);
            }
        }
        // dS in place of S.
#pragma unroll
        for (int nt = 0; nt < KT / 8; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const int rr = i >> 1;
                const float p = kok[nt * 8 + 2 * t + (i & 1)] ? exp2f(s[nt][i] * qscale - lse2[rr]) : 0.0f;
                s[nt][i] = p * (dp[nt][i] - dl[rr]);
            }
        // dQ += dS K: 16 keys per step; B = K rows (keys) x columns dt*8 + g, as key pairs.
#pragma unroll
        for (int kc = 0; kc < KT / 16; kc++) {
            const unsigned a[4] = {eve_pack2<T>(s[2 * kc][0], s[2 * kc][1]), eve_pack2<T>(s[2 * kc][2], s[2 * kc][3]),
                                   eve_pack2<T>(s[2 * kc + 1][0], s[2 * kc + 1][1]),
                                   eve_pack2<T>(s[2 * kc + 1][2], s[2 * kc + 1][3])};
            const unsigned short* k0p = ks + (kc * 16 + 2 * t) * LD + g;
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
                const unsigned short* kp = k0p + dt * 8;
                const unsigned bf[2] = {eve_pack2_bits(kp[0], kp[LD]), eve_pack2_bits(kp[8 * LD], kp[9 * LD])};
                eve_mma_16816<T>(acc[dt], a, bf);
            }
        }
    }
#pragma unroll
    for (int rr = 0; rr < 2; rr++) {
        const int row = qw + g + 8 * rr;
        if (row >= nq) continue;
        unsigned* orow = (unsigned*)((unsigned short*)dq + ((long long)bh * nq + row) * D);
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++)
            orow[(dt * 8 + 2 * t) / 2] = eve_pack2<T>(acc[dt][2 * rr] * scale, acc[dt][2 * rr + 1] * scale);
    }
}

// dK / dV: 4 warps x 16 keys (64 keys per block; their K and V rows stay in shared memory and the warps
// read their A fragments from there), walking the queries in tiles of 32 (Q, dO, lse, delta in shared
// memory). Per tile, transposed so that keys are the M dimension:
//   S^T = K Q^T, dP^T = V dO^T (16 keys x 32 queries), P^T = exp2(S^T - lse), dS^T = P^T (dP^T - delta),
//   dV += P^T dO, dK += dS^T Q   (A = P^T / dS^T from the accumulators, B = dO / Q as query pairs).
// Dynamic shared memory: (2*64 + 2*32) rows of D+8 halves, plus 2 x 32 floats:
// D = 64: 27,904 bytes; D = 128: 52,480 bytes (above the 48 KiB default: the launcher raises the limit).

#define EVE_MMA_BWD_KBLOCK 64
#define EVE_MMA_BWD_QTILE 32

template <typename T, int D>
__device__ void attention_bwd_dkdv_mma(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                       const void* __restrict__ mask, int mask_kind, const T* __restrict__ dout,
                                       const float* __restrict__ lse, const float* __restrict__ delta,
                                       T* __restrict__ dk, T* __restrict__ dv, int H, int nq, int nk, float scale) {
    constexpr int LD = D + 8;
    constexpr int KB = EVE_MMA_BWD_KBLOCK, QT = EVE_MMA_BWD_QTILE;
    extern __shared__ __align__(16) unsigned char eve_dyn_smem[];
    unsigned short* ks = (unsigned short*)eve_dyn_smem;
    unsigned short* vs = ks + KB * LD;
    unsigned short* qs = vs + KB * LD;
    unsigned short* dos = qs + QT * LD;
    float* lse2 = (float*)(dos + QT * LD);
    float* dl = lse2 + QT;
    const int ktiles = (nk + KB - 1) / KB;
    const int bh = blockIdx.x / ktiles, k0 = (blockIdx.x % ktiles) * KB;
    const int b = bh / H;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int g = lane >> 2, t = lane & 3;
    const unsigned short* qb = (const unsigned short*)q + (long long)bh * nq * D;
    const unsigned short* ob = (const unsigned short*)dout + (long long)bh * nq * D;
    const unsigned short* kb = (const unsigned short*)k + (long long)bh * nk * D;
    const unsigned short* vb = (const unsigned short*)v + (long long)bh * nk * D;
    const float qscale = scale * EVE_LOG2E;

    for (int i = tid; i < KB * (D / 8); i += blockDim.x) {
        const int j = i / (D / 8), c = (i % (D / 8)) * 8;
        eve_u128 kv = {0u, 0u, 0u, 0u}, vv = {0u, 0u, 0u, 0u};
        if (k0 + j < nk) {
            kv = *(const eve_u128*)(kb + (long long)(k0 + j) * D + c);
            vv = *(const eve_u128*)(vb + (long long)(k0 + j) * D + c);
        }
        *(eve_u128*)(ks + j * LD + c) = kv;
        *(eve_u128*)(vs + j * LD + c) = vv;
    }
    const int kr0 = warp * 16 + g;  // this thread's key rows kr0 and kr0 + 8 within the block
    const bool ok0 = eve_key_ok(mask, mask_kind, b, nk, k0 + kr0);
    const bool ok1 = eve_key_ok(mask, mask_kind, b, nk, k0 + kr0 + 8);
    float adk[D / 8][4], adv[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; i++) {
        adk[i][0] = adk[i][1] = adk[i][2] = adk[i][3] = 0.0f;
        adv[i][0] = adv[i][1] = adv[i][2] = adv[i][3] = 0.0f;
    }

    for (int q0 = 0; q0 < nq; q0 += QT) {
        __syncthreads();  // K/V written (first time) / previous Q, dO tile no longer read
        for (int i = tid; i < QT * (D / 8); i += blockDim.x) {
            const int r = i / (D / 8), c = (i % (D / 8)) * 8;
            eve_u128 qv = {0u, 0u, 0u, 0u}, ov = {0u, 0u, 0u, 0u};
            if (q0 + r < nq) {
                qv = *(const eve_u128*)(qb + (long long)(q0 + r) * D + c);
                ov = *(const eve_u128*)(ob + (long long)(q0 + r) * D + c);
            }
            *(eve_u128*)(qs + r * LD + c) = qv;
            *(eve_u128*)(dos + r * LD + c) = ov;
        }
        if (tid < QT) {
            const bool in = q0 + tid < nq;
            const float lr = in ? lse[(long long)bh * nq + q0 + tid] : EVE_NAN;
            lse2[tid] = eve_isfinite(lr) ? lr * EVE_LOG2E : EVE_INF;
            dl[tid] = eve_isfinite(lr) ? delta[(long long)bh * nq + q0 + tid] : 0.0f;
        }
        __syncthreads();

        float s[QT / 8][4], dp[QT / 8][4];
#pragma unroll
        for (int nt = 0; nt < QT / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
            dp[nt][0] = dp[nt][1] = dp[nt][2] = dp[nt][3] = 0.0f;
        }
#pragma unroll
        for (int kc = 0; kc < D / 16; kc++) {
            const unsigned short* kp = ks + kr0 * LD + kc * 16 + 2 * t;
            const unsigned short* vp = vs + kr0 * LD + kc * 16 + 2 * t;
            const unsigned ka[4] = {*(const unsigned*)kp, *(const unsigned*)(kp + 8 * LD), *(const unsigned*)(kp + 8),
                                    *(const unsigned*)(kp + 8 * LD + 8)};
            const unsigned va[4] = {*(const unsigned*)vp, *(const unsigned*)(vp + 8 * LD), *(const unsigned*)(vp + 8),
                                    *(const unsigned*)(vp + 8 * LD + 8)};
#pragma unroll
            for (int nt = 0; nt < QT / 8; nt++) {
                const unsigned short* qp = qs + (nt * 8 + g) * LD + kc * 16 + 2 * t;
                const unsigned short* op = dos + (nt * 8 + g) * LD + kc * 16 + 2 * t;
                const unsigned qf[2] = {*(const unsigned*)qp, *(const unsigned*)(qp + 8)};
                const unsigned of[2] = {*(const unsigned*)op, *(const unsigned*)(op + 8)};
                eve_mma_16816<T>(s[nt], ka, qf);
                eve_mma_16816<T>(dp[nt], va, of);
            }
        }
        // P^T into s, dS^T into dp. Element i: key row kr0 (+8 for i >= 2), query column nt*8 + 2t + (i&1).
#pragma unroll
        for (int nt = 0; nt < QT / 8; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const int col = nt * 8 + 2 * t + (i & 1);
                const bool ok = i < 2 ? ok0 : ok1;
                const float p = ok ? exp2f(s[nt][i] * qscale - lse2[col]) : 0.0f;
                s[nt][i] = p;
                dp[nt][i] = p * (dp[nt][i] - dl[col]);
            }
        // dV += P^T dO, dK += dS^T Q: 16 queries per step; B = dO / Q rows (queries), columns dt*8 + g.
#pragma unroll
        for (int kc = 0; kc < QT / 16; kc++) {
            const unsigned pa[4] = {eve_pack2<T>(s[2 * kc][0], s[2 * kc][1]), eve_pack2<T>(s[2 * kc][2], s[2 * kc][3]),
                                    eve_pack2<T>(s[2 * kc + 1][0], s[2 * kc + 1][1]),
                                    eve_pack2<T>(s[2 * kc + 1][2], s[2 * kc + 1][3])};
            const unsigned da[4] = {eve_pack2<T>(dp[2 * kc][0], dp[2 * kc][1]), eve_pack2<T>(dp[2 * kc][2], dp[2 * kc][3]),
                                    eve_pack2<T>(dp[2 * kc + 1][0], dp[2 * kc + 1][1]),
                                    eve_pack2<T>(dp[2 * kc + 1][2], dp[2 * kc + 1][3])};
            const unsigned short* o0 = dos + (kc * 16 + 2 * t) * LD + g;
            const unsigned short* q0p = qs + (kc * 16 + 2 * t) * LD + g;
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
                const unsigned short* op = o0 + dt * 8;
                const unsigned short* qp = q0p + dt * 8;
                const unsigned ob2[2] = {eve_pack2_bits(op[0], op[LD]), eve_pack2_bits(op[8 * LD], op[9 * LD])};
                const unsigned qb2[2] = {eve_pack2_bits(qp[0], qp[LD]), eve_pack2_bits(qp[8 * LD], qp[9 * LD])};
                eve_mma_16816<T>(adv[dt], pa, ob2);
                eve_mma_16816<T>(adk[dt], da, qb2);
            }
        }
    }
#pragma unroll
    for (int rr = 0; rr < 2; rr++) {
        const int key = k0 + kr0 + 8 * rr;
        if (key >= nk) continue;
        unsigned* krow = (unsigned*)((unsigned short*)dk + ((long long)bh * nk + key) * D);
        unsigned* vrow = (unsigned*)((unsigned short*)dv + ((long long)bh * nk + key) * D);
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++) {
            krow[(dt * 8 + 2 * t) / 2] = eve_pack2<T>(adk[dt][2 * rr] * scale, adk[dt][2 * rr + 1] * scale);
            vrow[(dt * 8 + 2 * t) / 2] = eve_pack2<T>(adv[dt][2 * rr], adv[dt][2 * rr + 1]);
        }
    }
}

// bwd_dq_mma:   grid ceil(Nq/64) * B * H, block 128, static shared memory.
// bwd_dkdv_mma: grid ceil(Nk/64) * B * H, block 128, dynamic shared memory (192 * (D+8) * 2 + 256 bytes).
// Same arguments as the SIMT backward kernels; 16-byte aligned q, k, v, dout.
#define EVE_ATT_MMA_BWD_EXPORTS(SUFFIX, T, D)                                                                       \
    extern "C" __global__ void __launch_bounds__(128) eve_attention_bwd_dq_mma_##SUFFIX##_d##D(                    \
        const T* q, const T* k, const T* v, const void* mask, int mask_kind, const T* dout, const float* lse,      \
        const float* delta, T* dq, int H, int nq, int nk, float scale) {                                           \
        attention_bwd_dq_mma<T, D>(q, k, v, mask, mask_kind, dout, lse, delta, dq, H, nq, nk, scale);              \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(128) eve_attention_bwd_dkdv_mma_##SUFFIX##_d##D(                  \
        const T* q, const T* k, const T* v, const void* mask, int mask_kind, const T* dout, const float* lse,      \
        const float* delta, T* dk, T* dv, int H, int nq, int nk, float scale) {                                    \
        attention_bwd_dkdv_mma<T, D>(q, k, v, mask, mask_kind, dout, lse, delta, dk, dv, H, nq, nk, scale);        \
    }

EVE_ATT_MMA_BWD_EXPORTS(bf16, eve_bf16, 64)
EVE_ATT_MMA_BWD_EXPORTS(bf16, eve_bf16, 128)
EVE_ATT_MMA_BWD_EXPORTS(f16, eve_f16, 64)
EVE_ATT_MMA_BWD_EXPORTS(f16, eve_f16, 128)
