// activation.cu: the GELU family, forward and backward, elementwise over contiguous buffers
// (UnaryOp.GELU_ERF, GELU_TANH, QUICK_GELU and Backend.unaryBackward for them). F32 math for every
// storage type. Grid-stride loops: the launcher caps the grid, one thread per element otherwise.
//
//   gelu_erf(x)   = 0.5 x (1 + erf(x / sqrt 2))               (PyTorch's default nn.GELU)
//   d/dx          = Phi(x) + x phi(x)
//   gelu_tanh(x)  = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//   quick_gelu(x) = x sigmoid(1.702 x)                        (CLIP, EVE's "quick_gelu")
//   d/dx          = s + 1.702 x s (1 - s),  s = sigmoid(1.702 x)
//
// erff / expf / tanhf are the accurate CUDA built-ins (not the __ intrinsics): these kernels are
// memory bound, so accuracy is free, and the GPU results stay within a few ulp of the CPU backend.
#include "fused_common.cuh"

#define EVE_SQRT1_2 0.70710678118654752f
#define EVE_INV_SQRT_2PI 0.39894228040143268f
#define EVE_GELU_TANH_K 0.79788456080286536f
#define EVE_GELU_TANH_C 0.044715f
#define EVE_QUICK_GELU_A 1.702f

#define EVE_ACT_GELU_ERF 0
#define EVE_ACT_GELU_TANH 1
#define EVE_ACT_QUICK_GELU 2

__device__ __forceinline__ float eve_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

__device__ __forceinline__ float eve_act(int op, float x) {
    switch (op) {
        case EVE_ACT_GELU_ERF: return 0.5f * x * (1.0f + erff(x * EVE_SQRT1_2));
        case EVE_ACT_GELU_TANH:
            return 0.5f * x * (1.0f + tanhf(EVE_GELU_TANH_K * (x + EVE_GELU_TANH_C * x * x * x)));
        default: return x * eve_sigmoid(EVE_QUICK_GELU_A * x);
    }
}

__device__ __forceinline__ float eve_act_grad(int op, float x) {
    switch (op) {
        case EVE_ACT_GELU_ERF: {
            float cdf = 0.5f * (1.0f + erff(x * EVE_SQRT1_2));
            float pdf = EVE_INV_SQRT_2PI * expf(-0.5f * x * x);
            return cdf + x * pdf;
        }
        case EVE_ACT_GELU_TANH: {
            // PyTorch's form: d/dx [0.5 x (1 + t)].
            float t = tanhf(EVE_GELU_TANH_K * (x + EVE_GELU_TANH_C * x * x * x));
            float dinner = EVE_GELU_TANH_K * (1.0f + 3.0f * EVE_GELU_TANH_C * x * x);
            return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * dinner;
        }
        default: {
            float s = eve_sigmoid(EVE_QUICK_GELU_A * x);
            return s + EVE_QUICK_GELU_A * x * s * (1.0f - s);
        }
    }
}

template <typename T>
__device__ void activation_fwd(const T* __restrict__ x, T* __restrict__ y, long long n, int op) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] = eve_from_float<T>(eve_act(op, eve_to_float(x[i])));
}

template <typename T>
__device__ void activation_bwd(const T* __restrict__ x, const T* __restrict__ g, T* __restrict__ dx, long long n, int op) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        dx[i] = eve_from_float<T>(eve_to_float(g[i]) * eve_act_grad(op, eve_to_float(x[i])));
}

// op: 0 GELU (erf), 1 GELU (tanh), 2 QuickGELU. x, y, g, dx: n contiguous elements of the suffix's type.
#define EVE_ACT_EXPORTS(SUFFIX, T)                                                                                \
    extern "C" __global__ void eve_activation_fwd_##SUFFIX(const T* x, T* y, long long n, int op) {             \
        activation_fwd<T>(x, y, n, op);                                                                          \
    }                                                                                                            \
    extern "C" __global__ void eve_activation_bwd_##SUFFIX(const T* x, const T* g, T* dx, long long n, int op) { \
        activation_bwd<T>(x, g, dx, n, op);                                                                      \
    }

EVE_ACT_EXPORTS(f32, float)
EVE_ACT_EXPORTS(bf16, eve_bf16)
EVE_ACT_EXPORTS(f16, eve_f16)
