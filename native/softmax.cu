// softmax.cu: softmax and log-softmax over the last dim of a contiguous [rows, cols] matrix, forward
// and backward (Backend.softmax / softmaxBackward). F32 accumulation for every storage type.
//
// Two shapes of kernel, chosen by the launcher (SoftmaxKernels):
//   *_warp_*  one warp per row, 8 rows per 256-thread block: for short rows (cols <= 1024), where a
//             block per row would leave most threads idle and pay a __syncthreads per reduction;
//   *_block_* one block per row (256 threads): for long rows (vocabulary-sized), where a warp would
//             be too little parallelism per row.
// Forward makes one pass for an online (max, sum-exp) pair per thread (merged across threads with the
// rescaling rule s = s_a e^(m_a - m) + s_b e^(m_b - m)), then one pass to write; the row is re-read from
// L1/L2, not kept in registers, so any width works.
//
// Numerics match the CPU kernel (RowKernels): exp(x - max) / sum; log-softmax x - (max + log sum);
// a row of all -inf gives NaN, as in PyTorch.
#include "fused_common.cuh"

// Merge of two online-softmax states (m, s). -inf maxima must not produce NaN from (-inf) - (-inf).
__device__ __forceinline__ void eve_online_merge(float& m, float& s, float m2, float s2) {
    float mn = fmaxf(m, m2);
    if (mn == -EVE_INF) return;  // both empty
    s = (m == -EVE_INF ? 0.0f : s * expf(m - mn)) + (m2 == -EVE_INF ? 0.0f : s2 * expf(m2 - mn));
    m = mn;
}

__device__ __forceinline__ void eve_warp_online(float& m, float& s) {
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
        eve_online_merge(m, s, m2, s2);
    }
}

// One thread's strided part of a row as an online (max, sum-exp) pair. A NaN anywhere makes the
// max NaN (fmaxf would drop it; PyTorch propagates it), handled by the `nan` flag.
template <typename T>
__device__ __forceinline__ void eve_row_state(const T* x, int cols, int start, int stride, float& m, float& s, bool& nan) {
    m = -EVE_INF;
    s = 0.0f;
    for (int j = start; j < cols; j += stride) {
        float v = eve_to_float(x[j]);
        if (v != v) { nan = true; continue; }
        if (v > m) {
            s = (m == -EVE_INF ? 0.0f : s * expf(m - v)) + 1.0f;
            m = v;
        } else if (v != -EVE_INF) {
            s += expf(v - m);
        }
    }
}

template <typename T>
__device__ __forceinline__ void eve_softmax_write(const T* x, T* y, int cols, int start, int stride, float m, float s, int log) {
    // All -inf (m = -inf, s = 0) or a NaN in the row: every output NaN, as exp(x - max) would give.
    if (m == -EVE_INF || m != m) {
        for (int j = start; j < cols; j += stride) y[j] = eve_from_float<T>(EVE_NAN);
        return;
    }
    if (log) {
        float shift = m + logf(s);
        for (int j = start; j < cols; j += stride) y[j] = eve_from_float<T>(eve_to_float(x[j]) - shift);
    } else {
        float inv = 1.0f / s;
        for (int j = start; j < cols; j += stride) y[j] = eve_from_float<T>(expf(eve_to_float(x[j]) - m) * inv);
    }
}

template <typename T>
__device__ void softmax_warp_fwd(const T* __restrict__ x, T* __restrict__ y, int rows, int cols, int log) {
    const int lane = threadIdx.x & 31;
    const long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= rows) return;  // whole warp leaves together
    const T* xr = x + row * cols;
    float m, s;
    bool nan = false;
    eve_row_state(xr, cols, lane, 32, m, s, nan);
    eve_warp_online(m, s);
    if (__any_sync(0xffffffffu, nan)) m = EVE_NAN;
    eve_softmax_write(xr, y + row * cols, cols, lane, 32, m, s, log);
}

template <typename T>
__device__ void softmax_block_fwd(const T* __restrict__ x, T* __restrict__ y, int rows, int cols, int log) {
    __shared__ float sm[32], ss[32];
    __shared__ int snan;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const long long row = blockIdx.x;
    const T* xr = x + row * cols;
    if (threadIdx.x == 0) snan = 0;
    float m, s;
    bool nan = false;
    eve_row_state(xr, cols, threadIdx.x, blockDim.x, m, s, nan);
    eve_warp_online(m, s);
    __syncthreads();
    if (nan) snan = 1;  // benign race: every writer stores 1
    if (lane == 0) { sm[warp] = m; ss[warp] = s; }
    __syncthreads();
    // Every warp merges the per-warp states in the same order: all threads agree bit for bit.
    m = lane < warps ? sm[lane] : -EVE_INF;
    s = lane < warps ? ss[lane] : 0.0f;
    eve_warp_online(m, s);
    if (snan) m = EVE_NAN;
    eve_softmax_write(xr, y + row * cols, cols, threadIdx.x, blockDim.x, m, s, log);
}

// Backward. softmax: dx = y * (g - sum(g * y)); log-softmax: dx = g - exp(y) * sum(g).
template <typename T>
__device__ __forceinline__ float eve_softmax_bwd_partial(const T* y, const T* g, int cols, int start, int stride, int log) {
    float acc = 0.0f;
    for (int j = start; j < cols; j += stride) {
        float gj = eve_to_float(g[j]);
        acc += log ? gj : gj * eve_to_float(y[j]);
    }
    return acc;
}

template <typename T>
__device__ __forceinline__ void eve_softmax_bwd_write(const T* y, const T* g, T* dx, int cols, int start, int stride, int log, float sum) {
    for (int j = start; j < cols; j += stride) {
        float yj = eve_to_float(y[j]), gj = eve_to_float(g[j]);
        dx[j] = eve_from_float<T>(log ? gj - expf(yj) * sum : yj * (gj - sum));
    }
}

template <typename T>
__device__ void softmax_warp_bwd(const T* __restrict__ y, const T* __restrict__ g, T* __restrict__ dx, int rows, int cols, int log) {
    const int lane = threadIdx.x & 31;
    const long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= rows) return;
    const long long o = row * cols;
    float sum = eve_warp_sum(eve_softmax_bwd_partial(y + o, g + o, cols, lane, 32, log));
    eve_softmax_bwd_write(y + o, g + o, dx + o, cols, lane, 32, log, sum);
}

template <typename T>
__device__ void softmax_block_bwd(const T* __restrict__ y, const T* __restrict__ g, T* __restrict__ dx, int rows, int cols, int log) {
    __shared__ float scratch[32];
    const long long o = (long long)blockIdx.x * cols;
    float sum = eve_block_sum(eve_softmax_bwd_partial(y + o, g + o, cols, threadIdx.x, blockDim.x, log), scratch);
    eve_softmax_bwd_write(y + o, g + o, dx + o, cols, threadIdx.x, blockDim.x, log, sum);
}

// ------------------------------------------------------------------------------------- exported
// x, y, g, dx: [rows, cols] contiguous, all of the suffix's type. log: 0 softmax, 1 log-softmax.
// *_warp_*: grid ceil(rows / 8), block 256.  *_block_*: grid rows, block 256 (any multiple of 32).
#define EVE_SOFTMAX_EXPORTS(SUFFIX, T)                                                                              \
    extern "C" __global__ void eve_softmax_warp_fwd_##SUFFIX(const T* x, T* y, int rows, int cols, int log) {      \
        softmax_warp_fwd<T>(x, y, rows, cols, log);                                                                \
    }                                                                                                             \
    extern "C" __global__ void eve_softmax_block_fwd_##SUFFIX(const T* x, T* y, int rows, int cols, int log) {     \
        softmax_block_fwd<T>(x, y, rows, cols, log);                                                               \
    }                                                                                                             \
    extern "C" __global__ void eve_softmax_warp_bwd_##SUFFIX(const T* y, const T* g, T* dx, int rows, int cols,    \
                                                            int log) {                                            \
        softmax_warp_bwd<T>(y, g, dx, rows, cols, log);                                                            \
    }                                                                                                             \
    extern "C" __global__ void eve_softmax_block_bwd_##SUFFIX(const T* y, const T* g, T* dx, int rows, int cols,   \
                                                             int log) {                                           \
        softmax_block_bwd<T>(y, g, dx, rows, cols, log);                                                           \
    }

EVE_SOFTMAX_EXPORTS(f32, float)
EVE_SOFTMAX_EXPORTS(bf16, eve_bf16)
EVE_SOFTMAX_EXPORTS(f16, eve_f16)
