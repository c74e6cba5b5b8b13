// reduce.cu: reductions, arg-reductions, cumulative sums and top-k (dev.eve.cuda.CudaBackend).
//
// The Java side arranges the input as a contiguous [outer, n, inner] block (n = the reduced extent):
// rows (inner == 1) are reduced by one block each with a tree, columns (inner > 1) by one thread per
// output, walking n with coalesced loads across the inner index.
#include "common.cuh"

#define EB_ACC_FLOAT 0
#define EB_ACC_DOUBLE 1
#define EB_ACC_INT 2
#define EB_REDUCE_BLOCK 256

template <typename A> __device__ __forceinline__ A eb_identity(int op) {
    switch (op) {
        case EB_REDUCE_PROD: case EB_REDUCE_ALL: return (A)1;
        case EB_REDUCE_MAX: return (A)(-__longlong_as_double(0x7ff0000000000000LL));
        case EB_REDUCE_MIN: return (A)(__longlong_as_double(0x7ff0000000000000LL));
        default: return (A)0;
    }
}
template <> __device__ __forceinline__ eb_i64 eb_identity<eb_i64>(int op) {
    switch (op) {
        case EB_REDUCE_PROD: case EB_REDUCE_ALL: return 1;
        case EB_REDUCE_MAX: return (eb_i64)0x8000000000000000ULL;
        case EB_REDUCE_MIN: return 0x7fffffffffffffffLL;
        default: return 0;
    }
}

template <typename A> __device__ __forceinline__ bool eb_nan_of(A a) { return a != a; }

template <typename A> __device__ __forceinline__ A eb_combine(int op, A a, A b) {
    switch (op) {
        case EB_REDUCE_SUM: case EB_REDUCE_MEAN: return a + b;
        case EB_REDUCE_PROD: return a * b;
        case EB_REDUCE_MAX: case EB_REDUCE_ANY: return eb_nan_of(a) ? a : eb_nan_of(b) ? b : (a >= b ? a : b);
        default: return eb_nan_of(a) ? a : eb_nan_of(b) ? b : (a <= b ? a : b);  // MIN, ALL
    }
}

template <typename A> __device__ __forceinline__ A eb_load_acc(const void* x, int dt, int i, int op);
template <> __device__ __forceinline__ float eb_load_acc<float>(const void* x, int dt, int i, int op) { return eb_ldf(x, dt, i); }
template <> __device__ __forceinline__ double eb_load_acc<double>(const void* x, int dt, int i, int op) { return eb_ldd(x, dt, i); }
template <> __device__ __forceinline__ eb_i64 eb_load_acc<eb_i64>(const void* x, int dt, int i, int op) {
    if (op == EB_REDUCE_ANY || op == EB_REDUCE_ALL) return eb_ldd(x, dt, i) != 0.0 ? 1 : 0;
    return eb_ldi(x, dt, i);
}

template <typename A> __device__ __forceinline__ void eb_store_acc(void* y, int dt, int i, A v, int op, int n);
template <> __device__ __forceinline__ void eb_store_acc<float>(void* y, int dt, int i, float v, int op, int n) {
    eb_stf(y, dt, i, op == EB_REDUCE_MEAN ? v * (1.0f / (float)n) : v);
}
template <> __device__ __forceinline__ void eb_store_acc<double>(void* y, int dt, int i, double v, int op, int n) {
    eb_std(y, dt, i, op == EB_REDUCE_MEAN ? v / (double)n : v);
}
template <> __device__ __forceinline__ void eb_store_acc<eb_i64>(void* y, int dt, int i, eb_i64 v, int op, int n) {
    eb_sti(y, dt, i, v);
}

template <typename A>
__device__ void eb_reduce_rows_impl(const void* x, int xdt, void* y, int ydt, int n, int op, A* scratch) {
    int row = blockIdx.x;
    int base = row * n;
    A acc = eb_identity<A>(op);
    for (int j = threadIdx.x; j < n; j += blockDim.x) acc = eb_combine<A>(op, acc, eb_load_acc<A>(x, xdt, base + j, op));
    scratch[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) scratch[threadIdx.x] = eb_combine<A>(op, scratch[threadIdx.x], scratch[threadIdx.x + s]);
        __syncthreads();
    }
    if (threadIdx.x == 0) eb_store_acc<A>(y, ydt, row, scratch[0], op, n);
}

// One block (EB_REDUCE_BLOCK threads) per row of a contiguous [outer, n]; grid.x = outer.
extern "C" __global__ void eb_reduce_rows(const void* x, int xdt, void* y, int ydt, int n, int op, int acc) {
    __shared__ double scratch[EB_REDUCE_BLOCK];
    if (acc == EB_ACC_FLOAT) eb_reduce_rows_impl<float>(x, xdt, y, ydt, n, op, (float*)scratch);
    else if (acc == EB_ACC_DOUBLE) eb_reduce_rows_impl<double>(x, xdt, y, ydt, n, op, scratch);
    else eb_reduce_rows_impl<eb_i64>(x, xdt, y, ydt, n, op, (eb_i64*)scratch);
}

template <typename A>
__device__ __forceinline__ void eb_reduce_cols_impl(const void* x, int xdt, void* y, int ydt, int outer, int n,
                                                    int inner, int op) {
    EB_GRID_STRIDE(p, outer * inner) {
        int o = p / inner, i = p - o * inner;
        int base = o * n * inner + i;
        A acc = eb_identity<A>(op);
        for (int r = 0; r < n; r++) acc = eb_combine<A>(op, acc, eb_load_acc<A>(x, xdt, base + r * inner, op));
        eb_store_acc<A>(y, ydt, p, acc, op, n);
    }
}

// One thread per output of a contiguous [outer, n, inner].
extern "C" __global__ void eb_reduce_cols(const void* x, int xdt, void* y, int ydt, int outer, int n, int inner,
                                          int op, int acc) {
    if (acc == EB_ACC_FLOAT) eb_reduce_cols_impl<float>(x, xdt, y, ydt, outer, n, inner, op);
    else if (acc == EB_ACC_DOUBLE) eb_reduce_cols_impl<double>(x, xdt, y, ydt, outer, n, inner, op);
    else eb_reduce_cols_impl<eb_i64>(x, xdt, y, ydt, outer, n, inner, op);
}

// Index (I64) of the max/min along n of [outer, n, inner]; first index wins ties; NaN is extreme.
extern "C" __global__ void eb_argreduce(const void* x, int xdt, eb_i64* y, int outer, int n, int inner, int is_max) {
    EB_GRID_STRIDE(p, outer * inner) {
        int o = p / inner, i = p - o * inner;
        int base = o * n * inner + i;
        int best = 0;
        double bv = n > 0 ? eb_ldd(x, xdt, base) : 0.0;
        for (int r = 1; r < n && !eb_isnan(bv); r++) {
            double v = eb_ldd(x, xdt, base + r * inner);
            if (eb_isnan(v) || (is_max ? v > bv : v < bv)) {
                bv = v;
                best = r;
            }
        }
        y[p] = best;
    }
}

// Inclusive prefix sums along n of [outer, n, inner]; floats accumulate in double (as the CPU does).
extern "C" __global__ void eb_cumsum(const void* x, int xdt, void* y, int ydt, int outer, int n, int inner) {
    bool floating = ydt == EB_F32 || ydt == EB_BF16 || ydt == EB_F16;
    EB_GRID_STRIDE(p, outer * inner) {
        int o = p / inner, i = p - o * inner;
        int base = o * n * inner + i;
        if (floating) {
            double acc = 0.0;
            for (int r = 0; r < n; r++) {
                acc += eb_ldd(x, xdt, base + r * inner);
                eb_std(y, ydt, base + r * inner, acc);
            }
        } else {
            eb_i64 acc = 0;
            for (int r = 0; r < n; r++) {
                acc += eb_ldi(x, xdt, base + r * inner);
                eb_sti(y, ydt, base + r * inner, acc);
            }
        }
    }
}

// Whether (va, ia) sorts before (vb, ib): larger first (NaN largest) when largest, ties by index.
__device__ __forceinline__ bool eb_before(double va, int ia, double vb, int ib, int largest) {
    bool an = eb_isnan(va), bn = eb_isnan(vb);
    if (an || bn) {
        if (an && bn) return ia < ib;
        return largest ? an : bn;
    }
    if (va != vb) return largest ? va > vb : va < vb;
    return ia < ib;
}

// The k first elements (in eb_before order) of each row of a contiguous [rows, n]: one block per row,
// k passes, each a block-wide arg-min over the elements after the previous pick. For small k.
extern "C" __global__ void eb_topk(const void* x, int xdt, void* values, int vdt, eb_i64* indices, int n, int k,
                                   int largest) {
    __shared__ double sv[EB_REDUCE_BLOCK];
    __shared__ int si[EB_REDUCE_BLOCK];
    int row = blockIdx.x;
    int base = row * n;
    double pv = 0.0;
    int pi = -1;
    for (int j = 0; j < k; j++) {
        double bv = 0.0;
        int bi = -1;
        for (int c = threadIdx.x; c < n; c += blockDim.x) {
            double v = eb_ldd(x, xdt, base + c);
            if (pi >= 0 && !eb_before(pv, pi, v, c, largest)) continue;  // not after the previous pick
            if (bi < 0 || eb_before(v, c, bv, bi, largest)) {
                bv = v;
                bi = c;
            }
        }
        sv[threadIdx.x] = bv;
        si[threadIdx.x] = bi;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) {
                int oi = si[threadIdx.x + s];
                if (oi >= 0 && (si[threadIdx.x] < 0 || eb_before(sv[threadIdx.x + s], oi, sv[threadIdx.x], si[threadIdx.x], largest))) {
                    sv[threadIdx.x] = sv[threadIdx.x + s];
                    si[threadIdx.x] = oi;
                }
            }
            __syncthreads();
        }
        pv = sv[0];
        pi = si[0];
        if (threadIdx.x == 0) {
            eb_std(values, vdt, row * k + j, pv);
            indices[row * k + j] = pi;
        }
        __syncthreads();
    }
}
