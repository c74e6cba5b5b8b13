// common.cuh: shared helpers of EVE's general kernels (elementwise, reduce, index, conv).
//
// These sources are compiled by nvcc in CI (-std=c++17 -arch=sm_90 --cubin) and at run time by NVRTC
// for the GPU present. NVRTC has no system or toolkit headers, so nothing here includes anything:
// fixed-width types are typedefs, bf16/f16 are converted with bit operations and inline PTX.
//
// Element types are passed at run time as codes equal to the ordinals of dev.eve.core.tensor.DType;
// op codes equal the ordinals of the Java enums (UnaryOp, BinaryOp, ReduceOp). NativeCodesTest checks
// the #defines below against the enums.
#pragma once

typedef long long eb_i64;
typedef unsigned long long eb_u64;
typedef unsigned int eb_u32;
typedef unsigned short eb_u16;
typedef unsigned char eb_u8;

// ------------------------------------------------------------------------ dtype codes (DType ordinals)
#define EB_F32 0
#define EB_I64 1
#define EB_I32 2
#define EB_BOOL 3
#define EB_BF16 4
#define EB_F16 5

// ------------------------------------------------------------------------ UnaryOp ordinals
#define EB_UNARY_NEG 0
#define EB_UNARY_ABS 1
#define EB_UNARY_SIGN 2
#define EB_UNARY_SQUARE 3
#define EB_UNARY_RECIPROCAL 4
#define EB_UNARY_EXP 5
#define EB_UNARY_LOG 6
#define EB_UNARY_SQRT 7
#define EB_UNARY_RSQRT 8
#define EB_UNARY_TANH 9
#define EB_UNARY_SIGMOID 10
#define EB_UNARY_RELU 11
#define EB_UNARY_GELU_ERF 12
#define EB_UNARY_GELU_TANH 13
#define EB_UNARY_QUICK_GELU 14
#define EB_UNARY_ERF 15
#define EB_UNARY_SIN 16
#define EB_UNARY_COS 17
#define EB_UNARY_FLOOR 18
#define EB_UNARY_CEIL 19
#define EB_UNARY_ROUND 20
#define EB_UNARY_NOT 21
#define EB_UNARY_IS_FINITE 22

// ------------------------------------------------------------------------ BinaryOp ordinals
#define EB_BINARY_ADD 0
#define EB_BINARY_SUB 1
#define EB_BINARY_MUL 2
#define EB_BINARY_DIV 3
#define EB_BINARY_POW 4
#define EB_BINARY_MAX 5
#define EB_BINARY_MIN 6
#define EB_BINARY_REMAINDER 7
#define EB_BINARY_EQ 8
#define EB_BINARY_NE 9
#define EB_BINARY_LT 10
#define EB_BINARY_LE 11
#define EB_BINARY_GT 12
#define EB_BINARY_GE 13
#define EB_BINARY_AND 14
#define EB_BINARY_OR 15

// ------------------------------------------------------------------------ ReduceOp ordinals
#define EB_REDUCE_SUM 0
#define EB_REDUCE_MEAN 1
#define EB_REDUCE_MAX 2
#define EB_REDUCE_MIN 3
#define EB_REDUCE_PROD 4
#define EB_REDUCE_ANY 5
#define EB_REDUCE_ALL 6

// ------------------------------------------------------------------------ strided iteration
// The logical shape of the output and the element strides of up to four operands, passed by value.
// Java (dev.eve.cuda.StridedIter) drops size-1 dims and merges dims that are contiguous in every operand.
#define EB_MAX_DIMS 8
struct EbIter {
    int ndim;
    int numel;
    int shape[EB_MAX_DIMS];
    int stride[4][EB_MAX_DIMS];
};

// Element offsets of linear (row-major) index idx for the first N operands.
template <int N>
__device__ __forceinline__ void eb_offsets(const EbIter& it, int idx, int* off) {
#pragma unroll
    for (int k = 0; k < N; k++) off[k] = 0;
    for (int d = it.ndim - 1; d >= 0; d--) {
        int s = it.shape[d];
        int c = idx % s;
        idx /= s;
#pragma unroll
        for (int k = 0; k < N; k++) off[k] += c * it.stride[k][d];
    }
}

#define EB_GRID_STRIDE(i, n) \
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// ------------------------------------------------------------------------ 16-bit floats
__device__ __forceinline__ float eb_bf2f(eb_u16 b) { return __uint_as_float(((eb_u32)b) << 16); }
__device__ __forceinline__ eb_u16 eb_f2bf(float f) {
    eb_u32 u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (eb_u16)((u >> 16) | 0x40u);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                          // round to nearest even
    return (eb_u16)(u >> 16);
}
__device__ __forceinline__ float eb_h2f(eb_u16 h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}
__device__ __forceinline__ eb_u16 eb_f2h(float f) {
    eb_u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

__device__ __forceinline__ bool eb_isnan(float x) { return x != x; }
__device__ __forceinline__ bool eb_isnan(double x) { return x != x; }
__device__ __forceinline__ float eb_nan() { return __int_as_float(0x7fc00000); }

// NaN-propagating max/min (Java's Math.max/min).
__device__ __forceinline__ float eb_maxf(float a, float b) { return eb_isnan(a) ? a : eb_isnan(b) ? b : (a >= b ? a : b); }
__device__ __forceinline__ float eb_minf(float a, float b) { return eb_isnan(a) ? a : eb_isnan(b) ? b : (a <= b ? a : b); }

// ------------------------------------------------------------------------ typed loads and stores
__device__ __forceinline__ float eb_ldf(const void* p, int dt, int i) {
    switch (dt) {
        case EB_F32: return ((const float*)p)[i];
        case EB_I64: return (float)((const eb_i64*)p)[i];
        case EB_I32: return (float)((const int*)p)[i];
        case EB_BOOL: return ((const eb_u8*)p)[i] ? 1.0f : 0.0f;
        case EB_BF16: return eb_bf2f(((const eb_u16*)p)[i]);
        default: return eb_h2f(((const eb_u16*)p)[i]);
    }
}

__device__ __forceinline__ double eb_ldd(const void* p, int dt, int i) {
    switch (dt) {
        case EB_I64: return (double)((const eb_i64*)p)[i];
        case EB_I32: return (double)((const int*)p)[i];
        default: return (double)eb_ldf(p, dt, i);
    }
}

__device__ __forceinline__ eb_i64 eb_ldi(const void* p, int dt, int i) {
    switch (dt) {
        case EB_I64: return ((const eb_i64*)p)[i];
        case EB_I32: return (eb_i64)((const int*)p)[i];
        case EB_BOOL: return ((const eb_u8*)p)[i] ? 1 : 0;
        default: return (eb_i64)eb_ldf(p, dt, i);  // truncation, saturating, NaN -> 0 (as Java's (long))
    }
}

__device__ __forceinline__ void eb_stf(void* p, int dt, int i, float v) {
    switch (dt) {
        case EB_F32: ((float*)p)[i] = v; break;
        case EB_I64: ((eb_i64*)p)[i] = (eb_i64)v; break;
        case EB_I32: ((int*)p)[i] = (int)v; break;
        case EB_BOOL: ((eb_u8*)p)[i] = v != 0.0f ? 1 : 0; break;
        case EB_BF16: ((eb_u16*)p)[i] = eb_f2bf(v); break;
        default: ((eb_u16*)p)[i] = eb_f2h(v); break;
    }
}

__device__ __forceinline__ void eb_std(void* p, int dt, int i, double v) {
    switch (dt) {
        case EB_I64: ((eb_i64*)p)[i] = (eb_i64)v; break;
        case EB_I32: ((int*)p)[i] = (int)v; break;
        case EB_BOOL: ((eb_u8*)p)[i] = v != 0.0 ? 1 : 0; break;
        default: eb_stf(p, dt, i, (float)v); break;
    }
}

__device__ __forceinline__ void eb_sti(void* p, int dt, int i, eb_i64 v) {
    switch (dt) {
        case EB_I64: ((eb_i64*)p)[i] = v; break;
        case EB_I32: ((int*)p)[i] = (int)v; break;
        case EB_BOOL: ((eb_u8*)p)[i] = v != 0 ? 1 : 0; break;
        default: eb_stf(p, dt, i, (float)v); break;
    }
}

// Raw element copy of an element of `size` bytes (1, 2, 4 or 8).
__device__ __forceinline__ void eb_copy_raw(void* dst, int di, const void* src, int si, int size) {
    switch (size) {
        case 8: ((eb_u64*)dst)[di] = ((const eb_u64*)src)[si]; break;
        case 4: ((eb_u32*)dst)[di] = ((const eb_u32*)src)[si]; break;
        case 2: ((eb_u16*)dst)[di] = ((const eb_u16*)src)[si]; break;
        default: ((eb_u8*)dst)[di] = ((const eb_u8*)src)[si]; break;
    }
}

// ------------------------------------------------------------------------ warp reductions
__device__ __forceinline__ float eb_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
