// fused_mma.cuh: warp-level tensor-core helpers (inline PTX, no headers: NVRTC-safe) for the fused
// kernels. sm_80+ (the H200 is sm_90).
//
// mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}: D[16x8] = A[16x16] B[16x8] + C, F32 accumulate.
// Fragments, for lane = 4 * g + t (g = groupID 0..7, t = thread in group 0..3); each 32-bit register
// holds two 16-bit values, the lower-indexed one in the low half:
//   A (row-major 16x16): a0 = A[g][2t..2t+1]    a1 = A[g+8][2t..2t+1]
//                        a2 = A[g][2t+8..2t+9]  a3 = A[g+8][2t+8..2t+9]
//   B (16x8, "col":  k-pairs): b0 = B[2t..2t+1][g]   b1 = B[2t+8..2t+9][g]
//   C/D (16x8 F32):    c0, c1 = C[g][2t], C[g][2t+1]      c2, c3 = C[g+8][2t], C[g+8][2t+1]
// Note that the C layout of two adjacent 8-column tiles is exactly the A layout of one 16-column tile,
// which lets FlashAttention keep P in registers between the two products.
#pragma once
#include "fused_common.cuh"

template <typename T> __device__ __forceinline__ void eve_mma_16816(float c[4], const unsigned a[4], const unsigned b[2]);

template <> __device__ __forceinline__ void eve_mma_16816<eve_bf16>(float c[4], const unsigned a[4], const unsigned b[2]) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

template <> __device__ __forceinline__ void eve_mma_16816<eve_f16>(float c[4], const unsigned a[4], const unsigned b[2]) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Two floats rounded to T and packed, `lo` in the low half.
template <typename T> __device__ __forceinline__ unsigned eve_pack2(float lo, float hi) {
    return (unsigned)eve_from_float<T>(lo).bits | ((unsigned)eve_from_float<T>(hi).bits << 16);
}

// Two 16-bit values packed, `lo` in the low half.
__device__ __forceinline__ unsigned eve_pack2_bits(unsigned short lo, unsigned short hi) {
    return (unsigned)lo | ((unsigned)hi << 16);
}

// 16-byte chunk for vectorised copies (our own type: no vector_types.h under NVRTC).
struct __align__(16) eve_u128 { unsigned int x, y, z, w; };
