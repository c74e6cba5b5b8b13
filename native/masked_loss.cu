// masked_loss.cu: the two pre-training losses of EVE, fused.
//
// 1. Masked-language-model cross-entropy (Backend.maskedCrossEntropyForward / Backward; llm.c's fused
//    classifier without its [rows, V] buffer). For the n gathered rows hidden [n, H] against the
//    vocabulary weight [V, H] (+ bias [V]):
//       loss[i] = lse[i] - logits[i][target[i]],   lse[i] = log sum_v exp(logits[i][v])
//    Forward: every 64 x 64 (rows x vocabulary) tile of logits is made by a shared-memory tiled GEMM,
//    reduced at once to a per-row (max, sum-exp) pair for its 64 columns and dropped; eve_mce_fwd_finish
//    merges the V/64 pairs of each row in column order (online log-sum-exp), so the result is
//    deterministic and nothing of size n x V exists (the partials are n x ceil(V/64) x 2 floats).
//    Backward, one vocabulary chunk [c0, c0 + cols) at a time (the launcher loops over chunks):
//       eve_mce_bwd_dlogits   recomputes the chunk's logits and writes dlogits = (exp(logit - lse) -
//                             onehot(target)) * rowGrad into an F32 scratch [n, cols]
//       eve_mce_gemm_nn       dHidden[n, H] (+)= dlogits . W[chunk]      (beta 0 for chunk 0, else 1)
//       eve_mce_gemm_tn       dWeight[chunk] = dlogits^T . hidden
//       eve_mce_bias_grad     dBias[chunk] = column sums of dlogits      (rows in order)
//    Every sum has a fixed order, so the gradients are deterministic. For speed the backend may make the
//    logits of a chunk with cuBLAS instead and call the *_from_logits kernels, which do the same
//    reductions on a ready [n, cols] F32 logits chunk.
//
// 2. Normalised-pixel MSE of masked image modeling (MAE's norm_pix_loss, as PretrainModel.mimLoss):
//       t' = (t - mean(t)) / sqrt(var(t) + eps)     per patch, unbiased var (torch.var's default)
//       loss = sum_p mask_p mean_d (pred - t')^2 / sum_p mask_p       (0 when no patch is masked)
//    The target gets no gradient (it is detached in the original).
#include "fused_common.cuh"

// ====================================================================================================
// A 64 x 64 x 16 shared-memory tiled SGEMM core (256 threads, 4 x 4 outputs per thread; thread (ty,
// tx) owns rows ty + 16 i and columns tx + 16 j, so that a warp reads 2 broadcast A values and 16
// consecutive B values from shared memory per k). The loaders return the operands as float (any storage
// type) and zero out of range, so the same core serves every layout below.
// ====================================================================================================

#define EVE_TM 64
#define EVE_TN 64
#define EVE_TK 16

// a(m, k): element (m, k) of the block's A panel (m in [0, 64)), b(nn, k) of its B panel.
// A_KCONTIG: consecutive k are adjacent in memory for A (pick the coalesced load order); same for B.
template <bool A_KCONTIG, bool B_KCONTIG, typename FA, typename FB>
__device__ __forceinline__ void eve_tile_gemm(float acc[4][4], int K, FA a, FB b, float (*as)[EVE_TM + 1],
                                              float (*bs)[EVE_TN + 1]) {
    const int tid = threadIdx.x, ty = tid >> 4, tx = tid & 15;
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += EVE_TK) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int idx = tid + 256 * i;
            int m, kk;
            if (A_KCONTIG) { m = idx >> 4; kk = idx & 15; } else { kk = idx >> 6; m = idx & 63; }
            as[kk][m] = k0 + kk < K ? a(m, k0 + kk) : 0.0f;
            int nn, kb;
            if (B_KCONTIG) { nn = idx >> 4; kb = idx & 15; } else { kb = idx >> 6; nn = idx & 63; }
            bs[kb][nn] = k0 + kb < K ? b(nn, k0 + kb) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < EVE_TK; kk++) {
            float av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) av[i] = as[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) bv[j] = bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
        }
        __syncthreads();
    }
}

// The logits tile of rows [r0, r0+64) and vocabulary columns [v0, v0+64) (bias included).
template <typename T>
__device__ __forceinline__ void eve_logits_tile(float acc[4][4], const T* hidden, const T* weight, const T* bias,
                                                int n, int H, int V, int r0, int v0, float (*as)[EVE_TM + 1],
                                                float (*bs)[EVE_TN + 1]) {
    eve_tile_gemm<true, true>(
        acc, H,
        [&](int m, int k) { return r0 + m < n ? eve_to_float(hidden[(long long)(r0 + m) * H + k]) : 0.0f; },
        [&](int c, int k) { return v0 + c < V ? eve_to_float(weight[(long long)(v0 + c) * H + k]) : 0.0f; }, as, bs);
    if (bias) {
        const int tx = threadIdx.x & 15;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int c = v0 + tx + 16 * j;
            const float bj = c < V ? eve_to_float(bias[c]) : 0.0f;
#pragma unroll
            for (int i = 0; i < 4; i++) acc[i][j] += bj;
        }
    }
}

// Reductions over the 16 threads (tx = 0..15, a half warp) that share a tile row.
__device__ __forceinline__ float eve_half_max(float v) {
    for (int o = 8; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
__device__ __forceinline__ float eve_half_sum(float v) {
    for (int o = 8; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// From a tile in registers (columns beyond `cols_valid` ignored): per-row partial (max, sum-exp) of the
// tile's 64 columns into part_max/part_sum[row * parts + part], and the target logit when it falls in
// the tile. `col0` is the tile's first vocabulary index.
__device__ __forceinline__ void eve_tile_partials(const float acc[4][4], int r0, int n, int col0, int cols_valid,
                                                  const long long* targets, float* part_max, float* part_sum,
                                                  int parts, int part, float* target_logit) {
    const int ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int row = r0 + ty + 16 * i;
        float mx = -EVE_INF;
#pragma unroll
        for (int j = 0; j < 4; j++)
            if (tx + 16 * j < cols_valid) mx = fmaxf(mx, acc[i][j]);
        mx = eve_half_max(mx);
        float s = 0.0f;
#pragma unroll
        for (int j = 0; j < 4; j++)
            if (tx + 16 * j < cols_valid) s += expf(acc[i][j] - mx);
        s = eve_half_sum(s);
        if (row < n) {
            if (tx == 0) {
                part_max[(long long)row * parts + part] = mx;
                part_sum[(long long)row * parts + part] = s;
            }
            const long long t = targets[row] - col0;
#pragma unroll
            for (int j = 0; j < 4; j++)
                if (t == tx + 16 * j && t < cols_valid) target_logit[row] = acc[i][j];
        }
    }
}

// Forward partials. grid (ceil(V/64), ceil(n/64)), block 256. part_max/part_sum: [n, ceil(V/64)] F32;
// target_logit [n] F32. hidden [n, H], weight [V, H], bias [V] or null, all of type T; targets I64 [n].
template <typename T>
__device__ void mce_fwd_partial(const T* __restrict__ hidden, const T* __restrict__ weight, const T* __restrict__ bias,
                                const long long* __restrict__ targets, float* __restrict__ part_max,
                                float* __restrict__ part_sum, float* __restrict__ target_logit, int n, int H, int V) {
    __shared__ float as[EVE_TK][EVE_TM + 1], bs[EVE_TK][EVE_TN + 1];
    const int v0 = blockIdx.x * EVE_TN, r0 = blockIdx.y * EVE_TM;
    float acc[4][4];
    eve_logits_tile<T>(acc, hidden, weight, bias, n, H, V, r0, v0, as, bs);
    eve_tile_partials(acc, r0, n, v0, eve_min(EVE_TN, V - v0), targets, part_max, part_sum, gridDim.x, blockIdx.x,
                      target_logit);
}

// The same partials from a ready logits chunk (e.g. made by cuBLAS): logits [n, cols] F32 holding
// vocabulary columns [c0, c0 + cols); partial index = c0/64 + blockIdx.x, so c0 must be a multiple of
// 64 and `parts` = ceil(V/64). grid (ceil(cols/64), ceil(n/64)), block 256.
extern "C" __global__ void eve_mce_fwd_partial_from_logits(const float* logits, const long long* targets,
                                                           float* part_max, float* part_sum, float* target_logit,
                                                           int n, int cols, int c0, int parts) {
    const int j0 = blockIdx.x * EVE_TN, r0 = blockIdx.y * EVE_TM;
    const int ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int r = r0 + ty + 16 * i, c = j0 + tx + 16 * j;
            acc[i][j] = r < n && c < cols ? logits[(long long)r * cols + c] : 0.0f;
        }
    eve_tile_partials(acc, r0, n, c0 + j0, eve_min(EVE_TN, cols - j0), targets, part_max, part_sum, parts,
                      c0 / EVE_TN + blockIdx.x, target_logit);
}

// Merges each row's partials in column order: lse = m + log s with the online rule
// s' = s e^(m - m') + s_c e^(m_c - m'). loss = lse - target logit. grid ceil(n/256), block 256.
extern "C" __global__ void eve_mce_fwd_finish(const float* part_max, const float* part_sum, const float* target_logit,
                                              float* loss, float* lse, int n, int parts) {
    const int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= n) return;
    const float* pm = part_max + (long long)row * parts;
    const float* ps = part_sum + (long long)row * parts;
    float m = pm[0], s = ps[0];
    for (int c = 1; c < parts; c++) {
        const float mc = pm[c], sc = ps[c];
        if (mc > m) {
            s = s * expf(m - mc) + sc;
            m = mc;
        } else {
            s += sc * expf(mc - m);
        }
    }
    const float l = m + logf(s);
    lse[row] = l;
    loss[row] = l - target_logit[row];
}

// dlogits of vocabulary chunk [c0, c0 + cols) into scratch [n, cols] F32:
// (exp(logit - lse) - onehot(target)) * row_grad. grid (ceil(cols/64), ceil(n/64)), block 256.
template <typename T>
__device__ void mce_bwd_dlogits(const T* __restrict__ hidden, const T* __restrict__ weight, const T* __restrict__ bias,
                                const long long* __restrict__ targets, const float* __restrict__ lse,
                                const float* __restrict__ row_grad, float* __restrict__ dlogits, int n, int H, int V,
                                int c0, int cols) {
    __shared__ float as[EVE_TK][EVE_TM + 1], bs[EVE_TK][EVE_TN + 1];
    const int j0 = blockIdx.x * EVE_TN, r0 = blockIdx.y * EVE_TM;
    float acc[4][4];
    eve_logits_tile<T>(acc, hidden, weight, bias, n, H, V, r0, c0 + j0, as, bs);
    const int ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int r = r0 + ty + 16 * i;
        if (r >= n) continue;
        const float l = lse[r], g = row_grad[r];
        const long long t = targets[r];
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int c = j0 + tx + 16 * j;
            if (c >= cols) continue;
            float d = expf(acc[i][j] - l) * g;
            if (t == c0 + c) d -= g;
            dlogits[(long long)r * cols + c] = d;
        }
    }
}

// In place on a ready logits chunk [n, cols] F32 of columns [c0, c0 + cols): logits -> dlogits.
// grid (ceil(cols/256), n), block 256.
extern "C" __global__ void eve_mce_bwd_dlogits_from_logits(float* logits, const long long* targets, const float* lse,
                                                           const float* row_grad, int n, int cols, int c0) {
    const int r = blockIdx.y, c = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= n || c >= cols) return;
    const float g = row_grad[r];
    float d = expf(logits[(long long)r * cols + c] - lse[r]) * g;
    if (targets[r] == c0 + c) d -= g;
    logits[(long long)r * cols + c] = d;
}

// C[M, N] (F32, leading dim ldc) = A . B + beta C, A F32 [M, K] (lda), B of type T [K, N] (ldb).
// dHidden += dlogits . W[chunk]: M = n, N = H, K = cols. grid (ceil(N/64), ceil(M/64)), block 256.
template <typename T>
__device__ void mce_gemm_nn(const float* __restrict__ A, const T* __restrict__ B, float* __restrict__ C, int M, int N,
                            int K, int lda, int ldb, int ldc, float beta) {
    __shared__ float as[EVE_TK][EVE_TM + 1], bs[EVE_TK][EVE_TN + 1];
    const int m0 = blockIdx.y * EVE_TM, n0 = blockIdx.x * EVE_TN;
    float acc[4][4];
    eve_tile_gemm<true, false>(
        acc, K, [&](int m, int k) { return m0 + m < M ? A[(long long)(m0 + m) * lda + k] : 0.0f; },
        [&](int c, int k) { return n0 + c < N ? eve_to_float(B[(long long)k * ldb + n0 + c]) : 0.0f; }, as, bs);
    const int ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int r = m0 + ty + 16 * i, c = n0 + tx + 16 * j;
            if (r < M && c < N) {
                float* p = C + (long long)r * ldc + c;
                *p = beta == 0.0f ? acc[i][j] : acc[i][j] + beta * *p;
            }
        }
}

// C[M, N] (F32) = A^T . B + beta C with A F32 stored [K, M] (lda), B of type T [K, N] (ldb).
// dWeight[chunk] = dlogits^T . hidden: M = cols, N = H, K = n. grid (ceil(N/64), ceil(M/64)), block 256.
template <typename T>
__device__ void mce_gemm_tn(const float* __restrict__ A, const T* __restrict__ B, float* __restrict__ C, int M, int N,
                            int K, int lda, int ldb, int ldc, float beta) {
    __shared__ float as[EVE_TK][EVE_TM + 1], bs[EVE_TK][EVE_TN + 1];
    const int m0 = blockIdx.y * EVE_TM, n0 = blockIdx.x * EVE_TN;
    float acc[4][4];
    eve_tile_gemm<false, false>(
        acc, K, [&](int m, int k) { return m0 + m < M ? A[(long long)k * lda + m0 + m] : 0.0f; },
        [&](int c, int k) { return n0 + c < N ? eve_to_float(B[(long long)k * ldb + n0 + c]) : 0.0f; }, as, bs);
    const int ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int r = m0 + ty + 16 * i, c = n0 + tx + 16 * j;
            if (r < M && c < N) {
                float* p = C + (long long)r * ldc + c;
                *p = beta == 0.0f ? acc[i][j] : acc[i][j] + beta * *p;
            }
        }
}

// dbias[c0 + j] = sum over rows (in order) of dlogits[r][j]. grid ceil(cols/256), block 256.
extern "C" __global__ void eve_mce_bias_grad(const float* dlogits, float* dbias, int n, int cols, int c0) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    float s = 0.0f;
    for (int r = 0; r < n; r++) s += dlogits[(long long)r * cols + j];
    dbias[c0 + j] = s;
}

#define EVE_MCE_EXPORTS(SUFFIX, T)                                                                                 \
    extern "C" __global__ void __launch_bounds__(256) eve_mce_fwd_partial_##SUFFIX(                                \
        const T* hidden, const T* weight, const T* bias, const long long* targets, float* part_max,               \
        float* part_sum, float* target_logit, int n, int H, int V) {                                               \
        mce_fwd_partial<T>(hidden, weight, bias, targets, part_max, part_sum, target_logit, n, H, V);              \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(256) eve_mce_bwd_dlogits_##SUFFIX(                                \
        const T* hidden, const T* weight, const T* bias, const long long* targets, const float* lse,              \
        const float* row_grad, float* dlogits, int n, int H, int V, int c0, int cols) {                            \
        mce_bwd_dlogits<T>(hidden, weight, bias, targets, lse, row_grad, dlogits, n, H, V, c0, cols);              \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(256) eve_mce_gemm_nn_##SUFFIX(                                    \
        const float* A, const T* B, float* C, int M, int N, int K, int lda, int ldb, int ldc, float beta) {        \
        mce_gemm_nn<T>(A, B, C, M, N, K, lda, ldb, ldc, beta);                                                     \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(256) eve_mce_gemm_tn_##SUFFIX(                                    \
        const float* A, const T* B, float* C, int M, int N, int K, int lda, int ldb, int ldc, float beta) {        \
        mce_gemm_tn<T>(A, B, C, M, N, K, lda, ldb, ldc, beta);                                                     \
    }

EVE_MCE_EXPORTS(f32, float)
EVE_MCE_EXPORTS(bf16, eve_bf16)
EVE_MCE_EXPORTS(f16, eve_f16)

// ====================================================================================================
// Normalised-pixel MSE over masked patches. pred, target: [P, D] (P = batch x patches) of type T;
// mask [P] of kind mask_kind (non-zero = masked, i.e. scored). One warp per patch.
// ====================================================================================================

// The normalised target value of element d of a patch, given its mean and 1/sqrt(var + eps).
template <typename T>
__device__ __forceinline__ void eve_patch_stats(const T* t, int D, int norm_pix, float eps, float& mean, float& inv) {
    const int lane = threadIdx.x & 31;
    if (!norm_pix) {
        mean = 0.0f;
        inv = 1.0f;
        return;
    }
    float s = 0.0f;
    for (int d = lane; d < D; d += 32) s += eve_to_float(t[d]);
    mean = eve_warp_sum(s) / D;
    float v = 0.0f;
    for (int d = lane; d < D; d += 32) {
        float c = eve_to_float(t[d]) - mean;
        v += c * c;
    }
    // Unbiased variance (D - 1), as torch.var; D = 1 gives NaN there too.
    v = eve_warp_sum(v) / (float)(D - 1);
    inv = rsqrtf(v + eps);
}

// per_patch[p] = mean_d (pred - t')^2 for every patch (masked or not). grid ceil(P/8), block 256.
template <typename T>
__device__ void mim_mse_fwd(const T* __restrict__ pred, const T* __restrict__ target, float* __restrict__ per_patch,
                            int P, int D, int norm_pix, float eps) {
    const long long p = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (p >= P) return;
    const T* t = target + p * D;
    const T* x = pred + p * D;
    float mean, inv;
    eve_patch_stats(t, D, norm_pix, eps, mean, inv);
    float s = 0.0f;
    for (int d = lane; d < D; d += 32) {
        float e = eve_to_float(x[d]) - (eve_to_float(t[d]) - mean) * inv;
        s += e * e;
    }
    s = eve_warp_sum(s);
    if (lane == 0) per_patch[p] = s / D;
}

// dpred = grad * mask_p / count * 2 (pred - t') / D, with grad and count device scalars (the loss's
// gradient and the masked-patch count written by eve_mim_mse_reduce). grid ceil(P/8), block 256.
template <typename T>
__device__ void mim_mse_bwd(const T* __restrict__ pred, const T* __restrict__ target, const void* __restrict__ mask,
                            int mask_kind, const float* __restrict__ grad, const float* __restrict__ count,
                            T* __restrict__ dpred, int P, int D, int norm_pix, float eps) {
    const long long p = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (p >= P) return;
    const T* t = target + p * D;
    const T* x = pred + p * D;
    T* dx = dpred + p * D;
    const float c = count[0];
    if (c == 0.0f || !eve_mask_at(mask, mask_kind, p)) {
        for (int d = lane; d < D; d += 32) dx[d] = eve_from_float<T>(0.0f);
        return;
    }
    float mean, inv;
    eve_patch_stats(t, D, norm_pix, eps, mean, inv);
    const float k = grad[0] / c * 2.0f / D;
    for (int d = lane; d < D; d += 32)
        dx[d] = eve_from_float<T>(k * (eve_to_float(x[d]) - (eve_to_float(t[d]) - mean) * inv));
}

#define EVE_MIM_EXPORTS(SUFFIX, T)                                                                                 \
    extern "C" __global__ void eve_mim_mse_fwd_##SUFFIX(const T* pred, const T* target, float* per_patch, int P,   \
                                                       int D, int norm_pix, float eps) {                          \
        mim_mse_fwd<T>(pred, target, per_patch, P, D, norm_pix, eps);                                              \
    }                                                                                                              \
    extern "C" __global__ void eve_mim_mse_bwd_##SUFFIX(const T* pred, const T* target, const void* mask,          \
                                                       int mask_kind, const float* grad, const float* count,      \
                                                       T* dpred, int P, int D, int norm_pix, float eps) {         \
        mim_mse_bwd<T>(pred, target, mask, mask_kind, grad, count, dpred, P, D, norm_pix, eps);                    \
    }

EVE_MIM_EXPORTS(f32, float)
EVE_MIM_EXPORTS(bf16, eve_bf16)
EVE_MIM_EXPORTS(f16, eve_f16)

// loss[0] = sum_p mask_p per_patch[p] / count (0 when count = 0), count[0] = number of masked patches.
// One block of 1024 threads; thread i adds patches i, i + 1024, .. in order, then a fixed-order block
// reduction: deterministic.
extern "C" __global__ void eve_mim_mse_reduce(const float* per_patch, const void* mask, int mask_kind, float* loss,
                                              float* count, int P) {
    __shared__ float scratch[32];
    float s = 0.0f, c = 0.0f;
    for (int p = threadIdx.x; p < P; p += blockDim.x)
        if (eve_mask_at(mask, mask_kind, p)) {
            s += per_patch[p];
            c += 1.0f;
        }
    s = eve_block_sum(s, scratch);
    c = eve_block_sum(c, scratch);
    if (threadIdx.x == 0) {
        loss[0] = c == 0.0f ? 0.0f : s / c;
        count[0] = c;
    }
}
