// layernorm.cu: fused LayerNorm over the last dim (Backend.layerNorm / layerNormBackward), with an
// optional residual add in front: y = LN(x + r) * w + b, also returning s = x + r, the residual stream
// the next block adds to. Biased variance, as torch.nn.LayerNorm. F32 accumulation; weight and bias
// are F32 (master weights), activations are of the suffix's type.
//
// Forward: one warp per row, 8 rows per 256-thread block. The row is read three times (sum, centred
// sum of squares, write): the two-pass variance of the CPU kernel (robust when |mean| >> std), and
// the re-reads hit L1, as a row of 768..1024 floats is only 3..4 KB.
//
// Backward: dx = rstd * (wg - mean(wg) - xhat * mean(wg * xhat)) with wg = w * g, one warp per row.
// dweight = sum_rows g * xhat and dbias = sum_rows g are summed deterministically: every block owns a
// fixed set of rows and writes one partial row [C] into a [blocks, C] buffer, adding its rows in a
// fixed order (never atomics); eve_layernorm_bwd_reduce then adds the partial rows in block order.
#include "fused_common.cuh"

#define EVE_LN_WARPS 8

template <typename T>
__device__ __forceinline__ float eve_ln_in(const T* x, const T* r, long long i) {
    return r ? eve_to_float(x[i]) + eve_to_float(r[i]) : eve_to_float(x[i]);
}

// x, r (nullable), sum_out (nullable, written only when r != null): [rows, C]; weight, bias: [C] F32
// or null; y: [rows, C]; mean, rstd: [rows] F32 (nullable, e.g. in inference).
template <typename T>
__device__ void layernorm_fwd(const T* __restrict__ x, const T* __restrict__ r, const float* __restrict__ weight,
                              const float* __restrict__ bias, T* __restrict__ y, T* __restrict__ sum_out,
                              float* __restrict__ mean_out, float* __restrict__ rstd_out, int rows, int C, float eps) {
    const int lane = threadIdx.x & 31;
    const long long row = (long long)blockIdx.x * EVE_LN_WARPS + (threadIdx.x >> 5);
    if (row >= rows) return;
    const long long o = row * C;
    float acc = 0.0f;
    for (int j = lane; j < C; j += 32) {
        float v = eve_ln_in(x, r, o + j);
        if (r && sum_out) sum_out[o + j] = eve_from_float<T>(v);
        acc += v;
    }
    // The sum is rounded to T when stored; normalise what is stored so that y = LN(s) exactly for
    // the s the caller keeps (and the backward sees).
    const bool reread = r && sum_out;
    if (reread) {
        __syncwarp();
        acc = 0.0f;
        for (int j = lane; j < C; j += 32) acc += eve_to_float(sum_out[o + j]);
    }
    const T* src = reread ? sum_out : x;
    const T* add = reread ? (const T*)0 : r;
    float mu = eve_warp_sum(acc) / C;
    float var = 0.0f;
    for (int j = lane; j < C; j += 32) {
        float d = eve_ln_in(src, add, o + j) - mu;
        var += d * d;
    }
    var = eve_warp_sum(var) / C;
    float rs = rsqrtf(var + eps);
    for (int j = lane; j < C; j += 32) {
        float v = (eve_ln_in(src, add, o + j) - mu) * rs;
        if (weight) v *= weight[j];
        if (bias) v += bias[j];
        y[o + j] = eve_from_float<T>(v);
    }
    if (lane == 0) {
        if (mean_out) mean_out[row] = mu;
        if (rstd_out) rstd_out[row] = rs;
    }
}

// grad, x (the normalised input, i.e. x + r when a residual was added): [rows, C]; dsum (nullable):
// the gradient reaching the residual output s, added to dx; dx: [rows, C].
// part_w / part_b (nullable): [gridDim.x, C] F32 partial sums, reduced by eve_layernorm_bwd_reduce.
// Block b handles rows b*8 .. b*8+7, then (b + gridDim.x)*8 ..., warp w the w-th of each group.
template <typename T>
__device__ void layernorm_bwd(const T* __restrict__ grad, const T* __restrict__ x, const float* __restrict__ mean,
                              const float* __restrict__ rstd, const float* __restrict__ weight,
                              const T* __restrict__ dsum, T* __restrict__ dx, float* __restrict__ part_w,
                              float* __restrict__ part_b, int rows, int C) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    // Running per-block partial sums of this thread's columns j = threadIdx.x + k * blockDim.x live
    // in the partial buffer itself (this block's row of it), touched only by this thread.
    float* pw = part_w ? part_w + (long long)blockIdx.x * C : 0;
    float* pb = part_b ? part_b + (long long)blockIdx.x * C : 0;
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        if (pw) pw[j] = 0.0f;
        if (pb) pb[j] = 0.0f;
    }
    for (long long base = (long long)blockIdx.x * EVE_LN_WARPS; base < rows; base += (long long)gridDim.x * EVE_LN_WARPS) {
        const long long row = base + warp;
        if (row < rows) {
            const long long o = row * C;
            const float mu = mean[row], rs = rstd[row];
            float sum_wg = 0.0f, sum_wgx = 0.0f;
            for (int j = lane; j < C; j += 32) {
                float xh = (eve_to_float(x[o + j]) - mu) * rs;
                float wg = eve_to_float(grad[o + j]) * (weight ? weight[j] : 1.0f);
                sum_wg += wg;
                sum_wgx += wg * xh;
            }
            const float a = eve_warp_sum(sum_wg) / C, b = eve_warp_sum(sum_wgx) / C;
            for (int j = lane; j < C; j += 32) {
                float xh = (eve_to_float(x[o + j]) - mu) * rs;
                float wg = eve_to_float(grad[o + j]) * (weight ? weight[j] : 1.0f);
                float d = rs * (wg - a - xh * b);
                if (dsum) d += eve_to_float(dsum[o + j]);
                dx[o + j] = eve_from_float<T>(d);
            }
        }
        if (pw || pb) {
            // Column sums of this group of rows, in row order: deterministic.
            const int last = (int)eve_min((long long)EVE_LN_WARPS, rows - base);
            for (int j = threadIdx.x; j < C; j += blockDim.x) {
                float sw = 0.0f, sb = 0.0f;
                for (int k = 0; k < last; k++) {
                    const long long rr = base + k;
                    float g = eve_to_float(grad[rr * C + j]);
                    sw += g * (eve_to_float(x[rr * C + j]) - mean[rr]) * rstd[rr];
                    sb += g;
                }
                if (pw) pw[j] += sw;
                if (pb) pb[j] += sb;
            }
        }
    }
}

// ------------------------------------------------------------------------------------- exported
// fwd: grid ceil(rows / 8), block 256.  bwd: grid G (any; the launcher uses min(ceil(rows/8), 512)),
// block 256; part_w / part_b hold G * C floats.  reduce: grid ceil(C / 256), block 256.
#define EVE_LN_EXPORTS(SUFFIX, T)                                                                                  \
    extern "C" __global__ void eve_layernorm_fwd_##SUFFIX(const T* x, const T* r, const float* weight,             \
                                                         const float* bias, T* y, T* sum_out, float* mean,       \
                                                         float* rstd, int rows, int C, float eps) {               \
        layernorm_fwd<T>(x, r, weight, bias, y, sum_out, mean, rstd, rows, C, eps);                               \
    }                                                                                                             \
    extern "C" __global__ void eve_layernorm_bwd_##SUFFIX(const T* grad, const T* x, const float* mean,           \
                                                         const float* rstd, const float* weight, const T* dsum,   \
                                                         T* dx, float* part_w, float* part_b, int rows, int C) {  \
        layernorm_bwd<T>(grad, x, mean, rstd, weight, dsum, dx, part_w, part_b, rows, C);                         \
    }

EVE_LN_EXPORTS(f32, float)
EVE_LN_EXPORTS(bf16, eve_bf16)
EVE_LN_EXPORTS(f16, eve_f16)

// Sums the [parts, C] partial rows in order: out[j] = sum_p part[p][j] (dweight or dbias, F32).
// Either buffer may be null.
extern "C" __global__ void eve_layernorm_bwd_reduce(const float* part_w, const float* part_b, float* dweight,
                                                    float* dbias, int parts, int C) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= C) return;
    if (part_w) {
        float s = 0.0f;
        for (int p = 0; p < parts; p++) s += part_w[(long long)p * C + j];
        dweight[j] = s;
    }
    if (part_b) {
        float s = 0.0f;
        for (int p = 0; p < parts; p++) s += part_b[(long long)p * C + j];
        dbias[j] = s;
    }
}
