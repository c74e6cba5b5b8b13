// elementwise.cu: strided elementwise kernels with run-time element types (dev.eve.cuda.CudaBackend):
// unary ops and their derivatives, binary ops (broadcasting through zero strides), ops with a scalar,
// where, fill, copy with type conversion and a += alpha * b.
//
// Every kernel walks the output's logical elements with a grid-stride loop; EbIter gives each
// operand's element offsets. `mode` selects the arithmetic, as the CPU backend does:
//   0: float (floating results), 1: 64-bit integer (integer results), 2: predicate (BOOL results,
//   compared in double so that I64 values compare as the CPU's getDouble does).
#include "common.cuh"

#define EB_MODE_FLOAT 0
#define EB_MODE_INT 1
#define EB_MODE_PRED 2

// ------------------------------------------------------------------------ math helpers
__device__ __forceinline__ float eb_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
__device__ __forceinline__ float eb_gelu_erf(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }
__device__ __forceinline__ float eb_gelu_tanh(float x) {
    float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + tanhf(u));
}
__device__ __forceinline__ float eb_quick_gelu(float x) { return x * eb_sigmoid(1.702f * x); }

__device__ __forceinline__ float eb_gelu_erf_grad(float x) {
    float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
    float pdf = 0.3989422804014327f * expf(-0.5f * x * x);
    return cdf + x * pdf;
}
__device__ __forceinline__ float eb_gelu_tanh_grad(float x) {
    const float k = 0.7978845608028654f;
    float x2 = x * x;
    float t = tanhf(k * (x + 0.044715f * x2 * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * k * (1.0f + 3.0f * 0.044715f * x2);
}
__device__ __forceinline__ float eb_quick_gelu_grad(float x) {
    float s = eb_sigmoid(1.702f * x);
    return s + 1.702f * x * s * (1.0f - s);
}

__device__ __forceinline__ float eb_sign(float x) { return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x; }

__device__ float eb_unary_f(int op, float x) {
    switch (op) {
        case EB_UNARY_NEG: return -x;
        case EB_UNARY_ABS: return fabsf(x);
        case EB_UNARY_SIGN: return eb_sign(x);
        case EB_UNARY_SQUARE: return x * x;
        case EB_UNARY_RECIPROCAL: return 1.0f / x;
        case EB_UNARY_EXP: return expf(x);
        case EB_UNARY_LOG: return logf(x);
        case EB_UNARY_SQRT: return sqrtf(x);
        case EB_UNARY_RSQRT: return 1.0f / sqrtf(x);
        case EB_UNARY_TANH: return tanhf(x);
        case EB_UNARY_SIGMOID: return eb_sigmoid(x);
        case EB_UNARY_RELU: return x > 0.0f ? x : (eb_isnan(x) ? x : 0.0f);
        case EB_UNARY_GELU_ERF: return eb_gelu_erf(x);
        case EB_UNARY_GELU_TANH: return eb_gelu_tanh(x);
        case EB_UNARY_QUICK_GELU: return eb_quick_gelu(x);
        case EB_UNARY_ERF: return erff(x);
        case EB_UNARY_SIN: return sinf(x);
        case EB_UNARY_COS: return cosf(x);
        case EB_UNARY_FLOOR: return floorf(x);
        case EB_UNARY_CEIL: return ceilf(x);
        case EB_UNARY_ROUND: return rintf(x);
        case EB_UNARY_NOT: return x == 0.0f ? 1.0f : 0.0f;
        default: return (__float_as_int(x) & 0x7f800000) != 0x7f800000 ? 1.0f : 0.0f;  // IS_FINITE
    }
}

__device__ eb_i64 eb_unary_i(int op, eb_i64 v) {
    switch (op) {
        case EB_UNARY_NEG: return -v;
        case EB_UNARY_ABS: return v < 0 ? -v : v;
        case EB_UNARY_SIGN: return v > 0 ? 1 : v < 0 ? -1 : 0;
        case EB_UNARY_SQUARE: return v * v;
        case EB_UNARY_RELU: return v > 0 ? v : 0;
        default: return v;  // FLOOR, CEIL, ROUND of integers
    }
}

__device__ float eb_unary_grad(int op, float x, float y, float g) {
    switch (op) {
        case EB_UNARY_NEG: return -g;
        case EB_UNARY_ABS: return g * eb_sign(x);
        case EB_UNARY_SQUARE: return 2.0f * x * g;
        case EB_UNARY_RECIPROCAL: return -g * y * y;
        case EB_UNARY_EXP: return g * y;
        case EB_UNARY_LOG: return g / x;
        case EB_UNARY_SQRT: return g / (2.0f * y);
        case EB_UNARY_RSQRT: return -0.5f * g * y * y * y;
        case EB_UNARY_TANH: return g * (1.0f - y * y);
        case EB_UNARY_SIGMOID: return g * y * (1.0f - y);
        case EB_UNARY_RELU: return x > 0.0f ? g : 0.0f;
        case EB_UNARY_GELU_ERF: return g * eb_gelu_erf_grad(x);
        case EB_UNARY_GELU_TANH: return g * eb_gelu_tanh_grad(x);
        case EB_UNARY_QUICK_GELU: return g * eb_quick_gelu_grad(x);
        case EB_UNARY_ERF: return g * 1.1283791670955126f * expf(-x * x);
        case EB_UNARY_SIN: return g * cosf(x);
        case EB_UNARY_COS: return -g * sinf(x);
        default: return 0.0f;
    }
}

__device__ float eb_binary_f(int op, float a, float b) {
    switch (op) {
        case EB_BINARY_ADD: return a + b;
        case EB_BINARY_SUB: return a - b;
        case EB_BINARY_MUL: return a * b;
        case EB_BINARY_DIV: return a / b;
        case EB_BINARY_POW: return b == 2.0f ? a * a : b == 0.5f ? sqrtf(a) : (float)pow((double)a, (double)b);
        case EB_BINARY_MAX: return eb_maxf(a, b);
        case EB_BINARY_MIN: return eb_minf(a, b);
        default: {  // REMAINDER: floor remainder with the sign of the divisor
            float r = fmodf(a, b);
            return r != 0.0f && ((r < 0.0f) != (b < 0.0f)) ? r + b : r;
        }
    }
}

__device__ eb_i64 eb_binary_i(int op, eb_i64 a, eb_i64 b) {
    switch (op) {
        case EB_BINARY_ADD: return a + b;
        case EB_BINARY_SUB: return a - b;
        case EB_BINARY_MUL: return a * b;
        case EB_BINARY_MAX: return a > b ? a : b;
        case EB_BINARY_MIN: return a < b ? a : b;
        case EB_BINARY_POW: {
            if (b < 0) return 0;  // the CPU backend throws; the op layer checks
            eb_i64 r = 1;
            for (eb_i64 i = 0; i < b; i++) r *= a;
            return r;
        }
        case EB_BINARY_REMAINDER: {
            if (b == 0) return 0;
            eb_i64 r = a % b;
            return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
        }
        default: return 0;
    }
}

__device__ bool eb_predicate(int op, double a, double b) {
    switch (op) {
        case EB_BINARY_EQ: return a == b;
        case EB_BINARY_NE: return a != b;
        case EB_BINARY_LT: return a < b;
        case EB_BINARY_LE: return a <= b;
        case EB_BINARY_GT: return a > b;
        case EB_BINARY_GE: return a >= b;
        case EB_BINARY_AND: return a != 0.0 && b != 0.0;
        default: return a != 0.0 || b != 0.0;  // OR
    }
}

// ------------------------------------------------------------------------ kernels
// y[i] = op(x[i]); y is contiguous in the iteration order (stride[0]), x strided (stride[1]).
extern "C" __global__ void eb_unary(void* y, int ydt, const void* x, int xdt, EbIter it, int op, int mode) {
    EB_GRID_STRIDE(i, it.numel) {
        int off[2];
        eb_offsets<2>(it, i, off);
        if (mode == EB_MODE_INT) {
            eb_sti(y, ydt, off[0], eb_unary_i(op, eb_ldi(x, xdt, off[1])));
        } else if (mode == EB_MODE_PRED) {
            double v = eb_ldd(x, xdt, off[1]);
            bool r = op == EB_UNARY_NOT ? v == 0.0 : (v == v && v - v == 0.0);
            ((eb_u8*)y)[off[0]] = r ? 1 : 0;
        } else {
            eb_stf(y, ydt, off[0], eb_unary_f(op, eb_ldf(x, xdt, off[1])));
        }
    }
}

// gx = d op(x) * g, all read as float, gx F32: operands y=0 (out), x=1, y=2, g=3.
extern "C" __global__ void eb_unary_backward(float* gx, const void* x, int xdt, const void* y, int ydt,
                                             const void* g, int gdt, EbIter it, int op) {
    EB_GRID_STRIDE(i, it.numel) {
        int off[4];
        eb_offsets<4>(it, i, off);
        gx[off[0]] = eb_unary_grad(op, eb_ldf(x, xdt, off[1]), eb_ldf(y, ydt, off[2]), eb_ldf(g, gdt, off[3]));
    }
}

// Fast path: contiguous F32 unary.
extern "C" __global__ void eb_unary_f32(float* y, const float* x, int n, int op) {
    EB_GRID_STRIDE(i, n) y[i] = eb_unary_f(op, x[i]);
}

extern "C" __global__ void eb_binary(void* y, int ydt, const void* a, int adt, const void* b, int bdt, EbIter it,
                                     int op, int mode) {
    EB_GRID_STRIDE(i, it.numel) {
        int off[3];
        eb_offsets<3>(it, i, off);
        if (mode == EB_MODE_PRED) {
            ((eb_u8*)y)[off[0]] = eb_predicate(op, eb_ldd(a, adt, off[1]), eb_ldd(b, bdt, off[2])) ? 1 : 0;
        } else if (mode == EB_MODE_INT) {
            eb_sti(y, ydt, off[0], eb_binary_i(op, eb_ldi(a, adt, off[1]), eb_ldi(b, bdt, off[2])));
        } else {
            eb_stf(y, ydt, off[0], eb_binary_f(op, eb_ldf(a, adt, off[1]), eb_ldf(b, bdt, off[2])));
        }
    }
}

// Fast path: contiguous F32 operands of the same shape.
extern "C" __global__ void eb_binary_f32(float* y, const float* a, const float* b, int n, int op) {
    EB_GRID_STRIDE(i, n) y[i] = eb_binary_f(op, a[i], b[i]);
}

// op(a, s) or op(s, a) when scalar_first.
extern "C" __global__ void eb_binary_scalar(void* y, int ydt, const void* a, int adt, EbIter it, double s,
                                            int scalar_first, int op, int mode) {
    EB_GRID_STRIDE(i, it.numel) {
        int off[2];
        eb_offsets<2>(it, i, off);
        if (mode == EB_MODE_PRED) {
            double av = eb_ldd(a, adt, off[1]);
            bool r = scalar_first ? eb_predicate(op, s, av) : eb_predicate(op, av, s);
            ((eb_u8*)y)[off[0]] = r ? 1 : 0;
        } else if (mode == EB_MODE_INT) {
            eb_i64 av = eb_ldi(a, adt, off[1]), sv = (eb_i64)s;
            eb_sti(y, ydt, off[0], scalar_first ? eb_binary_i(op, sv, av) : eb_binary_i(op, av, sv));
        } else {
            float av = eb_ldf(a, adt, off[1]), sv = (float)s;
            eb_stf(y, ydt, off[0], scalar_first ? eb_binary_f(op, sv, av) : eb_binary_f(op, av, sv));
        }
    }
}

// y = cond ? a : b; operands y=0, cond=1, a=2, b=3. Floating y copies through double, integers exactly.
extern "C" __global__ void eb_where(void* y, int ydt, const void* c, int cdt, const void* a, int adt,
                                    const void* b, int bdt, EbIter it) {
    EB_GRID_STRIDE(i, it.numel) {
        int off[4];
        eb_offsets<4>(it, i, off);
        bool take = eb_ldd(c, cdt, off[1]) != 0.0;
        if (ydt == EB_F32 || ydt == EB_BF16 || ydt == EB_F16)
            eb_std(y, ydt, off[0], take ? eb_ldd(a, adt, off[2]) : eb_ldd(b, bdt, off[3]));
        else
            eb_sti(y, ydt, off[0], take ? eb_ldi(a, adt, off[2]) : eb_ldi(b, bdt, off[3]));
    }
}

// dst = src converted; operands dst=0, src=1.
extern "C" __global__ void eb_copy(void* dst, int ddt, const void* src, int sdt, EbIter it) {
    bool dfloat = ddt == EB_F32 || ddt == EB_BF16 || ddt == EB_F16;
    bool sfloat = sdt == EB_F32 || sdt == EB_BF16 || sdt == EB_F16;
    EB_GRID_STRIDE(i, it.numel) {
        int off[2];
        eb_offsets<2>(it, i, off);
        if (ddt == sdt) {
            int size = ddt == EB_I64 ? 8 : (ddt == EB_F32 || ddt == EB_I32) ? 4 : ddt == EB_BOOL ? 1 : 2;
            eb_copy_raw(dst, off[0], src, off[1], size);
        } else if (dfloat && sfloat) {
            eb_stf(dst, ddt, off[0], eb_ldf(src, sdt, off[1]));
        } else if (dfloat || sfloat) {
            eb_std(dst, ddt, off[0], eb_ldd(src, sdt, off[1]));
        } else {
            eb_sti(dst, ddt, off[0], eb_ldi(src, sdt, off[1]));
        }
    }
}

// Contiguous conversion of n elements (e.g. F32 <-> BF16 for autocast and transfers).
extern "C" __global__ void eb_convert(void* dst, int ddt, const void* src, int sdt, int n) {
    EB_GRID_STRIDE(i, n) {
        if ((ddt == EB_I64 || ddt == EB_I32 || ddt == EB_BOOL) && (sdt == EB_I64 || sdt == EB_I32 || sdt == EB_BOOL))
            eb_sti(dst, ddt, i, eb_ldi(src, sdt, i));
        else if (ddt == EB_F32 && sdt == EB_I64)
            eb_std(dst, ddt, i, eb_ldd(src, sdt, i));
        else if (ddt == EB_I64 || ddt == EB_I32)
            eb_std(dst, ddt, i, eb_ldd(src, sdt, i));
        else
            eb_stf(dst, ddt, i, eb_ldf(src, sdt, i));
    }
}

// Every element of the view dst (operand 0) = value.
extern "C" __global__ void eb_fill(void* dst, int ddt, EbIter it, double value) {
    EB_GRID_STRIDE(i, it.numel) {
        int off[1];
        eb_offsets<1>(it, i, off);
        eb_std(dst, ddt, off[0], value);
    }
}

// a += alpha * b in place (a operand 0, b operand 1, broadcast).
extern "C" __global__ void eb_add_inplace(void* a, int adt, const void* b, int bdt, EbIter it, float alpha) {
    EB_GRID_STRIDE(i, it.numel) {
        int off[2];
        eb_offsets<2>(it, i, off);
        if (adt == EB_I64 || adt == EB_I32 || adt == EB_BOOL)
            eb_std(a, adt, off[0], eb_ldd(a, adt, off[0]) + (double)alpha * eb_ldd(b, bdt, off[1]));
        else
            eb_stf(a, adt, off[0], eb_ldf(a, adt, off[0]) + alpha * eb_ldf(b, bdt, off[1]));
    }
}

// Contiguous F32 a += alpha * b.
extern "C" __global__ void eb_axpy_f32(float* a, const float* b, int n, float alpha) {
    EB_GRID_STRIDE(i, n) a[i] += alpha * b[i];
}
