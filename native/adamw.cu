// adamw.cu: multi-tensor AdamW (Backend.adamwStep over a list of tensors in one launch).
//
// PyTorch's single-tensor algorithm (torch.optim.AdamW, foreach=False), per element:
//   p *= 1 - lr * wd
//   m  = b1 m + (1 - b1) g
//   v  = b2 v + (1 - b2) g^2
//   p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)          bc_i = 1 - b_i^step
// The scalars are formed on the host in double and rounded to float where they meet the tensors,
// exactly as the CPU kernel (OptimizerKernels) does, and every operation here is an explicitly
// rounded intrinsic (__fmul_rn, __fadd_rn, __fdiv_rn, __fsqrt_rn) so that the compiler cannot fuse
// them into FMAs: the GPU update is then bit-identical to the CPU one.
//
// Multi-tensor layout (llm.c / apex style, without a fixed-size kernel-argument table): the tensors are
// concatenated in a virtual index space. `offsets` (I64, count + 1 entries, offsets[0] = 0) holds the
// prefix sums of the sizes; `params`, `grads`, `exp_avgs`, `exp_avg_sqs` are device arrays of `count`
// device pointers (F32 buffers). Block b updates virtual elements [b * chunk, (b + 1) * chunk): it finds
// its first tensor by binary search once, then walks the tensors its range overlaps. `hyper` (nullable)
// holds per-tensor {decay, step_size} pairs (param groups with their own lr and weight decay); when null
// the scalar `decay` / `step_size` apply to every tensor.
#include "fused_common.cuh"

extern "C" __global__ void eve_adamw_multi(float* const* params, const float* const* grads, float* const* exp_avgs,
                                           float* const* exp_avg_sqs, const long long* offsets, int count,
                                           const float* hyper, long long chunk, float decay, float step_size,
                                           float beta1, float beta2, float one_minus_beta1, float one_minus_beta2,
                                           float bc2_sqrt, float eps) {
    const long long start = (long long)blockIdx.x * chunk;
    const long long total = offsets[count];
    if (start >= total) return;
    const long long end = eve_min(start + chunk, total);
    // First tensor t with offsets[t] <= start < offsets[t + 1] (skips empty tensors).
    int lo = 0, hi = count - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (offsets[mid] <= start) lo = mid; else hi = mid - 1;
    }
    for (int t = lo; t < count && offsets[t] < end; t++) {
        const long long t0 = offsets[t], t1 = offsets[t + 1];
        const long long a = eve_max(start, t0), b = eve_min(end, t1);
        if (a >= b) continue;
        float* p = params[t];
        const float* g = grads[t];
        float* m = exp_avgs[t];
        float* v = exp_avg_sqs[t];
        const float dec = hyper ? hyper[2 * t] : decay;
        const float step = hyper ? hyper[2 * t + 1] : step_size;
        for (long long i = a - t0 + threadIdx.x; i < b - t0; i += blockDim.x) {
            float gi = g[i];
            float pi = __fmul_rn(p[i], dec);
            float mi = __fadd_rn(__fmul_rn(m[i], beta1), __fmul_rn(gi, one_minus_beta1));
            float vi = __fadd_rn(__fmul_rn(v[i], beta2), __fmul_rn(__fmul_rn(gi, gi), one_minus_beta2));
            float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), bc2_sqrt), eps);
            p[i] = __fadd_rn(pi, -__fmul_rn(__fdiv_rn(mi, denom), step));
            m[i] = mi;
            v[i] = vi;
        }
    }
}
