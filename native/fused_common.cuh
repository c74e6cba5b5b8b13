// fused_common.cuh: small helpers shared by EVE's fused kernels (attention, moe, masked_loss,
// layernorm, softmax, activation, adamw).
//
// Rules: these sources are compiled both by nvcc (CI: -std=c++17 -arch=sm_90 --cubin) and at run time
// by NVRTC for the GPU present. NVRTC has no system or toolkit headers on its include path, so nothing
// here includes anything: the 16-bit float types are plain 16-bit structs converted with bit operations
// (bf16) or inline PTX cvt (f16, and bf16 rounding), and the math comes from CUDA built-ins
// (expf, __expf, rsqrtf, erff, __shfl_xor_sync, atomicAdd).
#pragma once

// ------------------------------------------------------------------------------------- 16-bit types
// Storage-only types: every kernel converts to float on load and rounds on store (F32 accumulation).

struct __align__(2) eve_bf16 { unsigned short bits; };
struct __align__(2) eve_f16 { unsigned short bits; };

// bf16 -> f32 is exact: the bf16 bits are the top half of the f32 bits.
__device__ __forceinline__ float eve_to_float(float x) { return x; }
__device__ __forceinline__ float eve_to_float(eve_bf16 x) {
    return __int_as_float(((unsigned int)x.bits) << 16);
}
// f16 -> f32 with the hardware conversion (exact; handles subnormals, inf, NaN).
__device__ __forceinline__ float eve_to_float(eve_f16 x) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(x.bits));
    return f;
}

// f32 -> bf16/f16 rounding to nearest even (what PyTorch's .to(bfloat16/float16) does).
template <typename T> __device__ __forceinline__ T eve_from_float(float x);
template <> __device__ __forceinline__ float eve_from_float<float>(float x) { return x; }
template <> __device__ __forceinline__ eve_bf16 eve_from_float<eve_bf16>(float x) {
    eve_bf16 r;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r.bits) : "f"(x));
    return r;
}
template <> __device__ __forceinline__ eve_f16 eve_from_float<eve_f16>(float x) {
    eve_f16 r;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r.bits) : "f"(x));
    return r;
}

// ------------------------------------------------------------------------------------- numbers

#define EVE_INF __int_as_float(0x7f800000)
#define EVE_NAN __int_as_float(0x7fffffff)
#define EVE_LOG2E 1.4426950408889634f
#define EVE_LN2 0.6931471805599453f

// min / max of integers of one type (our own: no reliance on the overload set a toolkit header declares).
template <typename I> __device__ __forceinline__ I eve_min(I a, I b) { return a < b ? a : b; }
template <typename I> __device__ __forceinline__ I eve_max(I a, I b) { return a > b ? a : b; }

__device__ __forceinline__ bool eve_isfinite(float x) { return (__float_as_int(x) & 0x7f800000) != 0x7f800000; }
__device__ __forceinline__ bool eve_isnan(float x) { return x != x; }

// ------------------------------------------------------------------------------------- warp / block reductions
// Butterfly (xor) reductions: every lane ends with the result, and the order of additions is fixed,
// so results are deterministic run to run.

__device__ __forceinline__ float eve_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float eve_warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum for blockDim.x a multiple of 32 (<= 1024). `scratch` holds >= 32 floats of shared
// memory; every thread gets the result. Contains __syncthreads, so call it from all threads.
__device__ __forceinline__ float eve_block_sum(float v, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = eve_warp_sum(v);
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0f;
    return eve_warp_sum(v);
}

__device__ __forceinline__ float eve_block_max(float v, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = eve_warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : -EVE_INF;
    return eve_warp_max(v);
}

// ------------------------------------------------------------------------------------- masks
// Key-padding / patch masks arrive in whatever dtype the tensor has; the kind says how to read them.
// Non-zero = true.
#define EVE_MASK_NONE 0
#define EVE_MASK_U8 1   // BOOL
#define EVE_MASK_I32 2
#define EVE_MASK_I64 3
#define EVE_MASK_F32 4

__device__ __forceinline__ bool eve_mask_at(const void* mask, int kind, long long i) {
    switch (kind) {
        case EVE_MASK_U8: return ((const unsigned char*)mask)[i] != 0;
        case EVE_MASK_I32: return ((const int*)mask)[i] != 0;
        case EVE_MASK_I64: return ((const long long*)mask)[i] != 0;
        case EVE_MASK_F32: return ((const float*)mask)[i] != 0.0f;
        default: return true;
    }
}
