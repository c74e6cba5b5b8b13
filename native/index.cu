// index.cu: indexSelect, indexAdd, gather and scatter(-add) along one dim (dev.eve.cuda.CudaBackend).
// Shapes are passed raw (not merged) in EbIter so that `dim` keeps its meaning; indices are I64 or I32.
#include "common.cuh"

__device__ __forceinline__ eb_i64 eb_index_at(const void* idx, int idt, int i) {
    return idt == EB_I64 ? ((const eb_i64*)idx)[i] : (eb_i64)((const int*)idx)[i];
}

__device__ __forceinline__ void eb_atomic_add(void* p, int dt, int i, const void* src, int sdt, int si) {
    switch (dt) {
        case EB_F32: atomicAdd(((float*)p) + i, eb_ldf(src, sdt, si)); break;
        case EB_I32: atomicAdd(((int*)p) + i, (int)eb_ldi(src, sdt, si)); break;
        default: atomicAdd(((eb_u64*)p) + i, (eb_u64)eb_ldi(src, sdt, si)); break;  // I64 (two's complement)
    }
}

// out (contiguous, it.shape) = x[..., index[j], ...] with x strides it.stride[0]; index 1-d with stride.
extern "C" __global__ void eb_index_select(void* out, const void* x, int esize, const void* idx, int idt,
                                           int idx_stride, EbIter it, int dim) {
    EB_GRID_STRIDE(i, it.numel) {
        int rest = i, xoff = 0;
        for (int d = it.ndim - 1; d >= 0; d--) {
            int s = it.shape[d];
            int c = rest % s;
            rest /= s;
            if (d == dim) c = (int)eb_index_at(idx, idt, c * idx_stride);
            xoff += c * it.stride[0][d];
        }
        eb_copy_raw(out, i, x, xoff, esize);
    }
}

// dst (contiguous, strides it.stride[1]) [..., index[j], ...] += src[..., j, ...] (src strides it.stride[0],
// iteration over src's shape).
extern "C" __global__ void eb_index_add(void* dst, int ddt, const void* src, int sdt, const void* idx, int idt,
                                        int idx_stride, EbIter it, int dim) {
    EB_GRID_STRIDE(i, it.numel) {
        int rest = i, soff = 0, doff = 0;
        for (int d = it.ndim - 1; d >= 0; d--) {
            int s = it.shape[d];
            int c = rest % s;
            rest /= s;
            soff += c * it.stride[0][d];
            if (d == dim) c = (int)eb_index_at(idx, idt, c * idx_stride);
            doff += c * it.stride[1][d];
        }
        eb_atomic_add(dst, ddt, doff, src, sdt, soff);
    }
}

// out (contiguous, index's shape) = x[..., index[i...], ...]: index strides it.stride[0], x strides it.stride[1].
extern "C" __global__ void eb_gather(void* out, const void* x, int esize, const void* idx, int idt, EbIter it, int dim) {
    EB_GRID_STRIDE(i, it.numel) {
        int rest = i, ioff = 0, xoff = 0;
        for (int d = it.ndim - 1; d >= 0; d--) {
            int s = it.shape[d];
            int c = rest % s;
            rest /= s;
            ioff += c * it.stride[0][d];
            if (d != dim) xoff += c * it.stride[1][d];
        }
        xoff += (int)eb_index_at(idx, idt, ioff) * it.stride[1][dim];
        eb_copy_raw(out, i, x, xoff, esize);
    }
}

// dst[..., index[i...], ...] = (or +=) src[i...], iterating over index's shape: index strides
// it.stride[0], src strides it.stride[1], dst strides it.stride[2].
extern "C" __global__ void eb_scatter(void* dst, int ddt, const void* src, int sdt, const void* idx, int idt,
                                      EbIter it, int dim, int accumulate) {
    EB_GRID_STRIDE(i, it.numel) {
        int rest = i, ioff = 0, soff = 0, doff = 0;
        for (int d = it.ndim - 1; d >= 0; d--) {
            int s = it.shape[d];
            int c = rest % s;
            rest /= s;
            ioff += c * it.stride[0][d];
            soff += c * it.stride[1][d];
            if (d != dim) doff += c * it.stride[2][d];
        }
        doff += (int)eb_index_at(idx, idt, ioff) * it.stride[2][dim];
        if (accumulate) {
            eb_atomic_add(dst, ddt, doff, src, sdt, soff);
        } else if (ddt == EB_F32 || ddt == EB_BF16 || ddt == EB_F16) {
            eb_stf(dst, ddt, doff, eb_ldf(src, sdt, soff));
        } else {
            eb_sti(dst, ddt, doff, eb_ldi(src, sdt, soff));
        }
    }
}
