package dev.eve.cuda;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.blas.CudaBlas;
import dev.eve.cuda.blas.GemmPlan;
import dev.eve.cuda.kernels.ActivationKernels;
import dev.eve.cuda.kernels.AdamWKernels;
import dev.eve.cuda.kernels.AttentionKernels;
import dev.eve.cuda.kernels.LayerNormKernels;
import dev.eve.cuda.kernels.MaskedLossKernels;
import dev.eve.cuda.kernels.MoeKernels;
import dev.eve.cuda.kernels.SoftmaxKernels;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaFunction;
import dev.eve.cuda.runtime.CudaModule;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.KernelArgs;
import dev.eve.cuda.runtime.Memcpy;
import dev.eve.cuda.runtime.PinnedHostBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CUDA backend of one GPU. Storage is device memory from the device's caching allocator; all work
 * is ordered on the device's default stream, so results are read back (toFloatArray) after a stream
 * synchronisation and never otherwise. General kernels come from {@code native/elementwise.cu},
 * {@code reduce.cu}, {@code index.cu} and {@code conv.cu}; the fused row kernels, attention, the
 * masked-prediction loss and AdamW from the launchers of {@code dev.eve.cuda.kernels}; GEMMs from cuBLAS.
 */
public final class CudaBackend implements Backend {

    private static final int BLOCK = 256;
    private static final int MODE_FLOAT = 0, MODE_INT = 1, MODE_PRED = 2;
    private static final int ACC_FLOAT = 0, ACC_DOUBLE = 1, ACC_INT = 2;

    private final CudaDevice device;
    private final Device id;
    private final Map<String, CudaFunction> functions = new ConcurrentHashMap<>();
    private final int maxGrid;

    public CudaBackend(CudaDevice device) {
        this.device = device;
        this.id = Device.cuda(device.index());
        this.maxGrid = Math.max(1, device.multiprocessors() * 32);
    }

    public CudaDevice cudaDevice() {
        return device;
    }

    @Override
    public Device device() {
        return id;
    }

    @Override
    public String toString() {
        return device.toString();
    }

    /** The device allocator's counters (allocated, reserved, peak, cudaMalloc count, cache hits). */
    public dev.eve.cuda.runtime.CachingAllocator.Stats memoryStats() {
        return device.allocator().stats();
    }

    /** Returns the allocator's cached, unused blocks to the driver. */
    public void emptyCache() {
        device.emptyCache();
    }

    /** Waits until all queued work on this GPU has finished. */
    @Override
    public void synchronize() {
        device.synchronize();
    }

    // ================================================================= helpers

    private CudaStream stream() {
        device.makeCurrent();
        return device.stream();
    }

    private CudaFunction fn(String file, String name) {
        return functions.computeIfAbsent(file + ":" + name, k -> CudaModule.load(device, file).function(name));
    }

    private void launch1d(String file, String name, long n, KernelArgs args) {
        if (n <= 0) return;
        int grid = (int) Math.min((n + BLOCK - 1) / BLOCK, maxGrid);
        fn(file, name).launch(grid, 1, 1, BLOCK, 1, 1, 0, stream(), args);
    }

    static CudaStorage storage(Tensor t) {
        Storage s = t.storage();
        if (!(s instanceof CudaStorage cs))
            throw new IllegalArgumentException("expected a tensor on a CUDA device, got one on " + s.device());
        return cs;
    }

    /** Device address of the tensor's first element (its offset applied). */
    static long ptr(Tensor t) {
        CudaStorage s = storage(t);
        return s.pointer() + (long) t.offset() * s.dtype().byteSize();
    }

    private static long ptrOrZero(Tensor t) {
        return t == null ? 0 : ptr(t);
    }

    Tensor empty(DType dtype, int[] shape) {
        int numel = 1;
        for (int s : shape) numel = Math.multiplyExact(numel, s);
        device.makeCurrent();
        return Tensor.fromStorage(CudaStorage.allocate(device, dtype, numel), shape);
    }

    private Tensor zeros(DType dtype, int[] shape) {
        Tensor t = empty(dtype, shape);
        Memcpy.memset(ptr(t), 0, (long) t.numel() * dtype.byteSize(), stream());
        return t;
    }

    /** Whether {@code t} lives on this backend's GPU (else it is copied here through the host). */
    private boolean local(Tensor t) {
        return t.storage() instanceof CudaStorage cs && cs.cudaDevice() == device;
    }

    /** The tensor itself when contiguous (and on this device), else a contiguous copy. */
    Tensor cont(Tensor t) {
        if (!local(t)) return upload(t);
        return t.isContiguous() ? t : convert(t, t.dtype());
    }

    /** A contiguous copy of {@code t} converted to {@code dtype} (or {@code t} when nothing changes). */
    Tensor convert(Tensor t, DType dtype) {
        if (!local(t)) t = upload(t);
        if (t.dtype() == dtype && t.isContiguous()) return t;
        Tensor y = empty(dtype, t.shape());
        copy(t, y);
        return y;
    }

    private Tensor upload(Tensor t) {
        Storage s = t.dtype().isFloating() ? fromFloats(t.toFloatArray(), t.dtype()) : fromLongs(t.toLongArray(), t.dtype());
        return Tensor.fromStorage(s, t.shape());
    }

    private static int dt(DType d) {
        return d.ordinal();
    }

    private static int dt(Tensor t) {
        return t.dtype().ordinal();
    }

    private static byte[] iter(StridedIter it) {
        return it.toBytes();
    }

    private static int[] cstrides(int[] shape) {
        return StridedIter.contiguousStrides(shape);
    }

    // ================================================================= memory and transfers

    @Override
    public Storage allocate(DType dtype, int numel) {
        device.makeCurrent();
        CudaStorage s = CudaStorage.allocate(device, dtype, numel);
        Memcpy.memset(s.pointer(), 0, (long) numel * dtype.byteSize(), stream());
        return s;
    }

    @Override
    public Storage fromFloats(float[] data, DType dtype) {
        if (data.length == 0) return upload(null, DType.F32, 0, dtype);
        try (FloatPointer host = new FloatPointer(data)) {
            return upload(host, DType.F32, data.length, dtype);
        }
    }

    @Override
    public Storage fromLongs(long[] data, DType dtype) {
        if (data.length == 0) return upload(null, DType.I64, 0, dtype);
        try (LongPointer host = new LongPointer(data)) {
            return upload(host, DType.I64, data.length, dtype);
        }
    }

    /**
     * Copies {@code n} elements of {@code hostType} to the device and converts them to {@code dtype} there.
     * The source is pageable: cudaMemcpyAsync returns once the data is staged, so the caller may free it.
     */
    private Storage upload(Pointer host, DType hostType, int n, DType dtype) {
        device.makeCurrent();
        CudaStorage raw = CudaStorage.allocate(device, hostType, n);
        if (n > 0) Memcpy.hostToDevice(raw.pointer(), host, (long) n * hostType.byteSize(), stream());
        if (dtype == hostType) return raw;
        CudaStorage out = CudaStorage.allocate(device, dtype, n);
        convertRaw(out.pointer(), dtype, raw.pointer(), hostType, n);
        return out;
    }

    private void convertRaw(long dst, DType ddt, long src, DType sdt, int n) {
        launch1d("elementwise.cu", "eb_convert", n, KernelArgs.of().ptr(dst).i32(dt(ddt)).ptr(src).i32(dt(sdt)).i32(n));
    }

    @Override
    public float[] toFloatArray(Tensor t) {
        Tensor f = convert(t, DType.F32);
        float[] out = new float[t.numel()];
        if (out.length == 0) return out;
        long bytes = (long) out.length * 4;
        PinnedHostBuffer staging = device.staging();
        synchronized (staging) {
            staging.ensure(bytes);
            Memcpy.deviceToHost(staging.bytes(bytes), ptr(f), bytes, stream());
            device.stream().synchronize();
            new FloatPointer(staging.bytes(bytes)).get(out);
        }
        return out;
    }

    @Override
    public long[] toLongArray(Tensor t) {
        Tensor l = convert(t, DType.I64);
        long[] out = new long[t.numel()];
        if (out.length == 0) return out;
        long bytes = (long) out.length * 8;
        PinnedHostBuffer staging = device.staging();
        synchronized (staging) {
            staging.ensure(bytes);
            Memcpy.deviceToHost(staging.bytes(bytes), ptr(l), bytes, stream());
            device.stream().synchronize();
            new LongPointer(staging.bytes(bytes)).get(out);
        }
        return out;
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (!local(src)) src = upload(src);
        if (dst.numel() == 0) return;
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous() && src.numel() == dst.numel()) {
            Memcpy.deviceToDevice(ptr(dst), ptr(src), (long) dst.numel() * dst.dtype().byteSize(), stream());
            return;
        }
        StridedIter it = StridedIter.of(dst.shape(), dst.strides(), broadcastStrides(src, dst.shape()));
        launch1d("elementwise.cu", "eb_copy", it.numel(),
                KernelArgs.of().ptr(ptr(dst)).i32(dt(dst)).ptr(ptr(src)).i32(dt(src)).struct(iter(it)));
    }

    /** Strides of {@code t} viewed as {@code shape} (same rank or fewer dims, size-1 dims broadcast). */
    private static int[] broadcastStrides(Tensor t, int[] shape) {
        int[] s = new int[shape.length];
        int[] ts = t.shape(), st = t.strides();
        int lead = shape.length - ts.length;
        for (int d = 0; d < ts.length; d++) s[lead + d] = ts[d] == 1 && shape[lead + d] != 1 ? 0 : st[d];
        return s;
    }

    @Override
    public void fill(Tensor dst, double value) {
        if (dst.numel() == 0) return;
        if (value == 0 && dst.isContiguous() && !(dst.dtype() == DType.F32 && Double.doubleToRawLongBits(value) != 0)) {
            Memcpy.memset(ptr(dst), 0, (long) dst.numel() * dst.dtype().byteSize(), stream());
            return;
        }
        StridedIter it = StridedIter.of(dst.shape(), dst.strides());
        launch1d("elementwise.cu", "eb_fill", it.numel(), KernelArgs.of().ptr(ptr(dst)).i32(dt(dst)).struct(iter(it)).f64(value));
    }

    // ================================================================= elementwise

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        DType in = x.dtype();
        DType outType = op.resultType(in);
        Tensor y = empty(outType, x.shape());
        int n = x.numel();
        if (n == 0) return y;
        if (in == DType.F32 && outType == DType.F32 && x.isContiguous()) {
            if (ActivationKernels.supports(op)) {
                ActivationKernels.forward(device, stream(), DType.F32, op, ptr(x), ptr(y), n);
            } else {
                launch1d("elementwise.cu", "eb_unary_f32", n, KernelArgs.of().ptr(ptr(y)).ptr(ptr(x)).i32(n).i32(op.ordinal()));
            }
            return y;
        }
        int mode = op.predicate() ? MODE_PRED : outType.isFloating() ? MODE_FLOAT : MODE_INT;
        StridedIter it = StridedIter.of(x.shape(), cstrides(x.shape()), x.strides());
        launch1d("elementwise.cu", "eb_unary", n, KernelArgs.of().ptr(ptr(y)).i32(dt(y)).ptr(ptr(x)).i32(dt(x))
                .struct(iter(it)).i32(op.ordinal()).i32(mode));
        return y;
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor grad) {
        Tensor gx = empty(DType.F32, x.shape());
        int n = x.numel();
        if (n == 0) return gx;
        if (ActivationKernels.supports(op) && x.dtype() == DType.F32 && grad.dtype() == DType.F32 && x.isContiguous()
                && grad.isContiguous() && Arrays.equals(grad.shape(), x.shape())) {
            ActivationKernels.backward(device, stream(), DType.F32, op, ptr(x), ptr(grad), ptr(gx), n);
            return gx;
        }
        Tensor yy = y == null ? x : y;
        StridedIter it = StridedIter.of(x.shape(), cstrides(x.shape()), x.strides(), broadcastStrides(yy, x.shape()),
                broadcastStrides(grad, x.shape()));
        launch1d("elementwise.cu", "eb_unary_backward", n, KernelArgs.of().ptr(ptr(gx)).ptr(ptr(x)).i32(dt(x))
                .ptr(ptr(yy)).i32(dt(yy)).ptr(ptr(grad)).i32(dt(grad)).struct(iter(it)).i32(op.ordinal()));
        return gx;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        DType outType = op.resultType(a.dtype(), b.dtype());
        Tensor y = empty(outType, a.shape());
        int n = y.numel();
        if (n == 0) return y;
        if (a.dtype() == DType.F32 && b.dtype() == DType.F32 && outType == DType.F32 && a.isContiguous() && b.isContiguous()
                && Arrays.equals(a.shape(), b.shape())) {
            launch1d("elementwise.cu", "eb_binary_f32", n,
                    KernelArgs.of().ptr(ptr(y)).ptr(ptr(a)).ptr(ptr(b)).i32(n).i32(op.ordinal()));
            return y;
        }
        boolean floating = a.dtype().isFloating() || b.dtype().isFloating() || op == BinaryOp.DIV || outType.isFloating();
        int mode = op.predicate() ? MODE_PRED : floating ? MODE_FLOAT : MODE_INT;
        StridedIter it = StridedIter.of(a.shape(), cstrides(a.shape()), a.strides(), broadcastStrides(b, a.shape()));
        launch1d("elementwise.cu", "eb_binary", n, KernelArgs.of().ptr(ptr(y)).i32(dt(y)).ptr(ptr(a)).i32(dt(a))
                .ptr(ptr(b)).i32(dt(b)).struct(iter(it)).i32(op.ordinal()).i32(mode));
        return y;
    }

    @Override
    public Tensor binaryScalar(BinaryOp op, Tensor a, double s, boolean scalarFirst) {
        DType outType = op.scalarResultType(a.dtype(), s);
        Tensor y = empty(outType, a.shape());
        int n = y.numel();
        if (n == 0) return y;
        int mode = op.predicate() ? MODE_PRED : outType.isFloating() ? MODE_FLOAT : MODE_INT;
        StridedIter it = StridedIter.of(a.shape(), cstrides(a.shape()), a.strides());
        launch1d("elementwise.cu", "eb_binary_scalar", n, KernelArgs.of().ptr(ptr(y)).i32(dt(y)).ptr(ptr(a)).i32(dt(a))
                .struct(iter(it)).f64(s).i32(scalarFirst ? 1 : 0).i32(op.ordinal()).i32(mode));
        return y;
    }

    @Override
    public void addInPlace(Tensor a, Tensor b, float alpha) {
        int n = a.numel();
        if (n == 0) return;
        if (a.dtype() == DType.F32 && b.dtype() == DType.F32 && a.isContiguous() && b.isContiguous()
                && Arrays.equals(a.shape(), b.shape())) {
            launch1d("elementwise.cu", "eb_axpy_f32", n, KernelArgs.of().ptr(ptr(a)).ptr(ptr(b)).i32(n).f32(alpha));
            return;
        }
        StridedIter it = StridedIter.of(a.shape(), a.strides(), broadcastStrides(b, a.shape()));
        launch1d("elementwise.cu", "eb_add_inplace", n, KernelArgs.of().ptr(ptr(a)).i32(dt(a)).ptr(ptr(b)).i32(dt(b))
                .struct(iter(it)).f32(alpha));
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        Tensor y = empty(a.dtype(), a.shape());
        int n = y.numel();
        if (n == 0) return y;
        int[] shape = a.shape();
        StridedIter it = StridedIter.of(shape, cstrides(shape), broadcastStrides(cond, shape), a.strides(),
                broadcastStrides(b, shape));
        launch1d("elementwise.cu", "eb_where", n, KernelArgs.of().ptr(ptr(y)).i32(dt(y)).ptr(ptr(cond)).i32(dt(cond))
                .ptr(ptr(a)).i32(dt(a)).ptr(ptr(b)).i32(dt(b)).struct(iter(it)));
        return y;
    }

    // ================================================================= reductions

    /** x as a contiguous [outer, n, inner] block with the given (sorted) dims in the middle. */
    private record Arranged(Tensor data, int outer, int n, int inner) {}

    private Arranged arrange(Tensor x, int[] dims) {
        int[] shape = x.shape();
        int nd = shape.length;
        boolean consecutive = true;
        for (int i = 1; i < dims.length; i++) consecutive &= dims[i] == dims[i - 1] + 1;
        if (dims.length == 0) return new Arranged(cont(x), x.numel(), 1, 1);
        if (consecutive) {
            int outer = 1, n = 1, inner = 1;
            for (int d = 0; d < nd; d++) {
                if (d < dims[0]) outer *= shape[d];
                else if (d <= dims[dims.length - 1]) n *= shape[d];
                else inner *= shape[d];
            }
            return new Arranged(cont(x), outer, n, inner);
        }
        int[] perm = new int[nd];
        boolean[] reduced = new boolean[nd];
        for (int d : dims) reduced[d] = true;
        int p = 0, outer = 1, n = 1;
        for (int d = 0; d < nd; d++) if (!reduced[d]) { perm[p++] = d; outer *= shape[d]; }
        for (int d : dims) { perm[p++] = d; n *= shape[d]; }
        int[] pShape = new int[nd], pStrides = new int[nd], st = x.strides();
        for (int i = 0; i < nd; i++) { pShape[i] = shape[perm[i]]; pStrides[i] = st[perm[i]]; }
        Tensor permuted = x.viewOf(pShape, pStrides, x.offset());
        return new Arranged(convert(permuted, x.dtype()), outer, n, 1);
    }

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] dims) {
        int[] outShape = x.shape();
        for (int d : dims) outShape[d] = 1;
        DType in = x.dtype();
        DType outType = op.resultType(in);
        Tensor y = empty(outType, outShape);
        if (y.numel() == 0) return y;
        Arranged a = arrange(x, dims);
        int acc = op == ReduceOp.ANY || op == ReduceOp.ALL ? ACC_INT
                : in.isFloating() ? ACC_FLOAT : op == ReduceOp.MEAN ? ACC_DOUBLE : ACC_INT;
        if (a.inner == 1 && a.n >= 64) {
            fn("reduce.cu", "eb_reduce_rows").launch(a.outer, 1, 1, BLOCK, 1, 1, 0, stream(), KernelArgs.of()
                    .ptr(ptr(a.data)).i32(dt(a.data)).ptr(ptr(y)).i32(dt(y)).i32(a.n).i32(op.ordinal()).i32(acc));
        } else {
            launch1d("reduce.cu", "eb_reduce_cols", (long) a.outer * a.inner, KernelArgs.of().ptr(ptr(a.data)).i32(dt(a.data))
                    .ptr(ptr(y)).i32(dt(y)).i32(a.outer).i32(a.n).i32(a.inner).i32(op.ordinal()).i32(acc));
        }
        return y;
    }

    @Override
    public Tensor argReduce(boolean max, Tensor x, int dim) {
        int[] outShape = x.shape();
        outShape[dim] = 1;
        Tensor y = empty(DType.I64, outShape);
        if (y.numel() == 0) return y;
        Arranged a = arrange(x, new int[] {dim});
        launch1d("reduce.cu", "eb_argreduce", (long) a.outer * a.inner, KernelArgs.of().ptr(ptr(a.data)).i32(dt(a.data))
                .ptr(ptr(y)).i32(a.outer).i32(a.n).i32(a.inner).i32(max ? 1 : 0));
        return y;
    }

    @Override
    public Tensor cumsum(Tensor x, int dim) {
        DType outType = x.dtype() == DType.BOOL ? DType.I64 : x.dtype();
        Tensor y = empty(outType, x.shape());
        if (y.numel() == 0) return y;
        Arranged a = arrange(x, new int[] {dim});
        launch1d("reduce.cu", "eb_cumsum", (long) a.outer * a.inner, KernelArgs.of().ptr(ptr(a.data)).i32(dt(a.data))
                .ptr(ptr(y)).i32(dt(y)).i32(a.outer).i32(a.n).i32(a.inner));
        return y;
    }

    @Override
    public Tensor[] topk(Tensor x, int k, int dim, boolean largest) {
        int last = x.dim() - 1;
        Tensor rows = cont(dim == last ? x : x.transpose(dim, last));
        int n = x.shape()[dim];
        int count = n == 0 ? 0 : rows.numel() / n;
        int[] outShape = rows.shape();
        outShape[last] = k;
        Tensor values = empty(x.dtype(), outShape), indices = empty(DType.I64, outShape);
        if (count > 0 && k > 0) {
            int block = Math.min(BLOCK, Math.max(32, Integer.highestOneBit(Math.max(n - 1, 1)) * 2));
            fn("reduce.cu", "eb_topk").launch(count, 1, 1, block, 1, 1, 0, stream(), KernelArgs.of().ptr(ptr(rows)).i32(dt(rows))
                    .ptr(ptr(values)).i32(dt(values)).ptr(ptr(indices)).i32(n).i32(k).i32(largest ? 1 : 0));
        }
        if (dim == last) return new Tensor[] {values, indices};
        return new Tensor[] {cont(values.transpose(dim, last)), cont(indices.transpose(dim, last))};
    }

    // ================================================================= matmul

    @Override
    public Tensor matmul(Tensor a, Tensor b, float alpha) {
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        Tensor y = empty(DType.F32, new int[] {batch, m, n});
        if (batch == 0 || m == 0 || n == 0) return y;
        if (k == 0) {
            fill(y, 0);
            return y;
        }
        DType inType = gemmType(a.dtype(), b.dtype());
        Tensor aa = gemmOperand(a, inType), bb = gemmOperand(b, inType);
        GemmPlan pa = GemmPlan.of(batch, m, k, aa.strides()), pb = GemmPlan.of(batch, k, n, bb.strides());
        if (pa.copy()) { aa = convert(aa, inType); pa = GemmPlan.contiguous(m, k); }
        if (pb.copy()) { bb = convert(bb, inType); pb = GemmPlan.contiguous(k, n); }
        CudaBlas.of(device).gemm(inType, ptr(aa), pa, ptr(bb), pb, ptr(y), batch, m, n, k, alpha);
        return y;
    }

    /** The GEMM input type: autocast's (BF16), a shared half type, else F32. */
    static DType gemmType(DType a, DType b) {
        DType cast = Autocast.current();
        if (cast != null && (a == DType.F32 || a == cast) && (b == DType.F32 || b == cast)) return cast;
        if (a == b && (a == DType.BF16 || a == DType.F16)) return a;
        return DType.F32;
    }

    /** The operand in the GEMM's input type, keeping its view when no conversion is needed. */
    private Tensor gemmOperand(Tensor t, DType type) {
        if (!local(t)) t = upload(t);
        if (t.dtype() == type) return t;
        return convert(t, type);
    }

    // ================================================================= fused rows

    @Override
    public Tensor softmax(Tensor x, boolean log) {
        Tensor xc = cont(x);
        Tensor y = empty(xc.dtype(), x.shape());
        int cols = x.dim() == 0 ? 1 : x.size(x.dim() - 1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        SoftmaxKernels.forward(device, stream(), xc.dtype(), ptr(xc), ptr(y), rows, cols, log);
        return y;
    }

    @Override
    public Tensor softmaxBackward(Tensor y, Tensor grad, boolean log) {
        Tensor yc = cont(y), gc = convert(grad, yc.dtype());
        Tensor dx = empty(yc.dtype(), y.shape());
        int cols = y.dim() == 0 ? 1 : y.size(y.dim() - 1);
        int rows = cols == 0 ? 0 : y.numel() / cols;
        SoftmaxKernels.backward(device, stream(), yc.dtype(), ptr(yc), ptr(gc), ptr(dx), rows, cols, log);
        return dx;
    }

    private static int[] leading(int[] shape) {
        return Arrays.copyOf(shape, Math.max(shape.length - 1, 0));
    }

    @Override
    public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        Tensor xc = cont(x);
        int cols = x.size(x.dim() - 1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Tensor w = weight == null ? null : convert(weight, DType.F32), bz = bias == null ? null : convert(bias, DType.F32);
        Tensor y = empty(xc.dtype(), x.shape());
        Tensor mean = empty(DType.F32, leading(x.shape())), rstd = empty(DType.F32, leading(x.shape()));
        LayerNormKernels.forward(device, stream(), xc.dtype(), ptr(xc), 0, ptrOrZero(w), ptrOrZero(bz), ptr(y), 0,
                ptr(mean), ptr(rstd), rows, cols, eps);
        return new Tensor[] {y, mean, rstd};
    }

    @Override
    public Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean hasBias) {
        Tensor xc = cont(x), gc = convert(grad, xc.dtype());
        Tensor mc = convert(mean, DType.F32), rc = convert(rstd, DType.F32);
        int cols = x.size(x.dim() - 1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Tensor w = weight == null ? null : convert(weight, DType.F32);
        Tensor dx = empty(xc.dtype(), x.shape());
        Tensor dw = weight == null ? null : empty(DType.F32, new int[] {cols});
        Tensor db = hasBias ? empty(DType.F32, new int[] {cols}) : null;
        long partFloats = LayerNormKernels.partialFloats(rows, cols);
        Tensor partW = dw == null ? null : empty(DType.F32, new int[] {(int) partFloats});
        Tensor partB = db == null ? null : empty(DType.F32, new int[] {(int) partFloats});
        LayerNormKernels.backward(device, stream(), xc.dtype(), ptr(gc), ptr(xc), ptr(mc), ptr(rc), ptrOrZero(w), 0, ptr(dx),
                ptrOrZero(partW), ptrOrZero(partB), ptrOrZero(dw), ptrOrZero(db), rows, cols);
        return new Tensor[] {dx, dw, db};
    }

    /** The attention compute type: autocast's for F32 inputs, else the inputs' own. */
    private static DType attentionType(DType in) {
        DType cast = Autocast.current();
        return cast != null && in == DType.F32 ? cast : in;
    }

    @Override
    public Tensor[] attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale) {
        int b = q.size(0), h = q.size(1), nq = q.size(2), d = q.size(3), nk = k.size(2);
        if (!AttentionKernels.supportsHeadDim(d)) return ComposedAttention.forward(this, q, k, v, keyMask, scale);
        DType type = attentionType(q.dtype());
        Tensor qc = convert(q, type), kc = convert(k, type), vc = convert(v, type);
        Tensor mask = keyMask == null ? null : cont(keyMask);
        Tensor out = empty(type, q.shape());
        Tensor lse = empty(DType.F32, new int[] {b, h, nq});
        AttentionKernels.forward(device, stream(), type, ptr(qc), ptr(kc), ptr(vc), ptrOrZero(mask),
                mask == null ? DType.BOOL : mask.dtype(), ptr(out), ptr(lse), b, h, nq, nk, d, scale, true);
        if (type != q.dtype()) out = convert(out, q.dtype());
        return new Tensor[] {out, lse};
    }

    @Override
    public Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale,
                                      Tensor out, Tensor logsumexp, Tensor gradOut) {
        int b = q.size(0), h = q.size(1), nq = q.size(2), d = q.size(3), nk = k.size(2);
        if (!AttentionKernels.supportsHeadDim(d))
            return ComposedAttention.backward(this, q, k, v, keyMask, scale, out, logsumexp, gradOut);
        DType type = attentionType(q.dtype());
        Tensor qc = convert(q, type), kc = convert(k, type), vc = convert(v, type);
        Tensor oc = convert(out, type), gc = convert(gradOut, type), lc = convert(logsumexp, DType.F32);
        Tensor mask = keyMask == null ? null : cont(keyMask);
        Tensor delta = empty(DType.F32, new int[] {b, h, nq});
        Tensor dq = empty(type, q.shape()), dk = empty(type, k.shape()), dv = empty(type, v.shape());
        AttentionKernels.backward(device, stream(), type, ptr(qc), ptr(kc), ptr(vc), ptrOrZero(mask),
                mask == null ? DType.BOOL : mask.dtype(), ptr(oc), ptr(lc), ptr(gc), ptr(delta), ptr(dq), ptr(dk), ptr(dv),
                b, h, nq, nk, d, scale);
        if (type != q.dtype()) {
            dq = convert(dq, q.dtype());
            dk = convert(dk, k.dtype());
            dv = convert(dv, v.dtype());
        }
        return new Tensor[] {dq, dk, dv};
    }

    @Override
    public Tensor[] maskedCrossEntropyForward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets) {
        Tensor hc = cont(hidden);
        DType type = hc.dtype();
        Tensor wc = convert(weight, type), bc = bias == null ? null : convert(bias, type), tc = convert(targets, DType.I64);
        int n = hidden.size(0), hdim = hidden.size(1), vocab = weight.size(0);
        Tensor loss = empty(DType.F32, new int[] {n}), lse = empty(DType.F32, new int[] {n});
        Tensor scratch = empty(DType.F32, new int[] {(int) Math.max(1, MaskedLossKernels.forwardScratchFloats(n, vocab))});
        MaskedLossKernels.crossEntropyForward(device, stream(), type, ptr(hc), ptr(wc), ptrOrZero(bc), ptr(tc), ptr(loss),
                ptr(lse), ptr(scratch), n, hdim, vocab);
        return new Tensor[] {loss, lse};
    }

    @Override
    public Tensor[] maskedCrossEntropyBackward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Tensor lse,
                                               Tensor rowGrad, boolean needHidden, boolean needWeight, boolean needBias) {
        Tensor hc = cont(hidden);
        DType type = hc.dtype();
        Tensor wc = convert(weight, type), bc = bias == null ? null : convert(bias, type), tc = convert(targets, DType.I64);
        Tensor lc = convert(lse, DType.F32), rg = convert(rowGrad, DType.F32);
        int n = hidden.size(0), hdim = hidden.size(1), vocab = weight.size(0);
        boolean wantBias = needBias && bias != null;
        Tensor dHidden = needHidden ? zeros(DType.F32, new int[] {n, hdim}) : null;
        Tensor dWeight = needWeight ? zeros(DType.F32, new int[] {vocab, hdim}) : null;
        Tensor dBias = wantBias ? zeros(DType.F32, new int[] {vocab}) : null;
        int chunk = Math.min(MaskedLossKernels.DEFAULT_CHUNK, Math.max(64, (vocab + 63) / 64 * 64));
        Tensor scratch = empty(DType.F32, new int[] {(int) Math.max(1, MaskedLossKernels.backwardScratchFloats(n, vocab, chunk))});
        MaskedLossKernels.crossEntropyBackward(device, stream(), type, ptr(hc), ptr(wc), ptrOrZero(bc), ptr(tc), ptr(lc),
                ptr(rg), ptrOrZero(dHidden), ptrOrZero(dWeight), ptrOrZero(dBias), ptr(scratch), chunk, n, hdim, vocab);
        return new Tensor[] {dHidden, dWeight, dBias};
    }

    // ================================================================= mixture of experts

    /** The row map as a contiguous I32 tensor on this device (what moe.cu takes). */
    private Tensor rowMap(Tensor rows) {
        return convert(rows, DType.I32);
    }

    @Override
    public Tensor moeDispatch(Tensor tokens, Tensor rows, int outRows) {
        Tensor x = cont(tokens), map = rowMap(rows);
        int s = rows.size(1), h = tokens.size(1), k = rows.size(0);
        Tensor out = zeros(x.dtype(), new int[] {outRows, h}); // rows no assignment names stay 0
        MoeKernels.dispatch(device, stream(), x.dtype(), ptr(x), ptr(map), ptr(out), s, h, k);
        return out;
    }

    @Override
    public Tensor moeCombine(Tensor y, Tensor rows, Tensor weights) {
        Tensor yc = cont(y), map = rowMap(rows), w = weights == null ? null : convert(weights, DType.F32);
        int s = rows.size(1), h = y.size(1), k = rows.size(0);
        Tensor out = empty(yc.dtype(), new int[] {s, h});
        MoeKernels.combine(device, stream(), yc.dtype(), ptr(yc), ptr(map), ptrOrZero(w), ptr(out), s, h, k);
        return out;
    }

    @Override
    public Tensor[] moeCombineBackward(Tensor grad, Tensor y, Tensor rows, Tensor weights, boolean weightGrad) {
        Tensor yc = cont(y), map = rowMap(rows), w = weights == null ? null : convert(weights, DType.F32);
        Tensor g = convert(grad, yc.dtype());
        int s = rows.size(1), h = y.size(1), k = rows.size(0);
        Tensor dy = zeros(yc.dtype(), y.shape()); // rows no assignment names get 0
        Tensor dw = weightGrad ? empty(DType.F32, new int[] {k, s}) : null;
        MoeKernels.combineBackward(device, stream(), yc.dtype(), ptr(g), ptr(yc), ptr(map), ptrOrZero(w), ptr(dy),
                ptrOrZero(dw), s, h, k);
        return new Tensor[] {dy, dw};
    }

    // ================================================================= indexing

    private Tensor indexTensor(Tensor index) {
        if (!local(index)) index = upload(index);
        return index.dtype() == DType.I64 || index.dtype() == DType.I32 ? index : convert(index, DType.I64);
    }

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        Tensor idx = indexTensor(index);
        int[] outShape = x.shape();
        outShape[dim] = idx.numel();
        Tensor y = empty(x.dtype(), outShape);
        if (y.numel() == 0) return y;
        int idxStride = idx.dim() == 0 ? 0 : idx.stride(0);
        StridedIter it = StridedIter.raw(outShape, x.strides());
        launch1d("index.cu", "eb_index_select", y.numel(), KernelArgs.of().ptr(ptr(y)).ptr(ptr(x)).i32(x.dtype().byteSize())
                .ptr(ptr(idx)).i32(dt(idx)).i32(idxStride).struct(iter(it)).i32(dim));
        return y;
    }

    /** Atomic adds exist for F32, I32 and I64: other types go through an F32 copy. */
    private static boolean atomicType(DType t) {
        return t == DType.F32 || t == DType.I32 || t == DType.I64;
    }

    @Override
    public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        if (!atomicType(dst.dtype())) {
            Tensor f = convert(dst, DType.F32); // a new F32 copy (dst is not F32)
            indexAdd(f, dim, index, src);
            copy(f, dst);
            return;
        }
        Tensor idx = indexTensor(index);
        if (src.numel() == 0) return;
        int idxStride = idx.dim() == 0 ? 0 : idx.stride(0);
        StridedIter it = StridedIter.raw(src.shape(), src.strides(), dst.strides());
        launch1d("index.cu", "eb_index_add", src.numel(), KernelArgs.of().ptr(ptr(dst)).i32(dt(dst)).ptr(ptr(src)).i32(dt(src))
                .ptr(ptr(idx)).i32(dt(idx)).i32(idxStride).struct(iter(it)).i32(dim));
    }

    @Override
    public Tensor gather(Tensor x, int dim, Tensor index) {
        Tensor idx = indexTensor(index);
        Tensor y = empty(x.dtype(), idx.shape());
        if (y.numel() == 0) return y;
        StridedIter it = StridedIter.raw(idx.shape(), idx.strides(), x.strides());
        launch1d("index.cu", "eb_gather", y.numel(), KernelArgs.of().ptr(ptr(y)).ptr(ptr(x)).i32(x.dtype().byteSize())
                .ptr(ptr(idx)).i32(dt(idx)).struct(iter(it)).i32(dim));
        return y;
    }

    @Override
    public void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate) {
        if (accumulate && !atomicType(dst.dtype())) {
            Tensor f = empty(DType.F32, dst.shape());
            copy(dst, f);
            scatter(f, dim, index, src, true);
            copy(f, dst);
            return;
        }
        Tensor idx = indexTensor(index);
        if (idx.numel() == 0) return;
        StridedIter it = StridedIter.raw(idx.shape(), idx.strides(), broadcastStrides(src, idx.shape()), dst.strides());
        launch1d("index.cu", "eb_scatter", idx.numel(), KernelArgs.of().ptr(ptr(dst)).i32(dt(dst)).ptr(ptr(src)).i32(dt(src))
                .ptr(ptr(idx)).i32(dt(idx)).struct(iter(it)).i32(dim).i32(accumulate ? 1 : 0));
    }

    // ================================================================= convolution

    private static byte[] convParams(int b, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                                     int dw, int oh, int ow) {
        ByteBuffer buf = ByteBuffer.allocate(14 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {b, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow}) buf.putInt(v);
        return buf.array();
    }

    @Override
    public Tensor unfold2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        Tensor xc = convert(x, DType.F32);
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        Tensor cols = empty(DType.F32, new int[] {b, c * kh * kw, oh * ow});
        launch1d("conv.cu", "eb_unfold2d", cols.numel(), KernelArgs.of().ptr(ptr(cols)).ptr(ptr(xc))
                .struct(convParams(b, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)));
        return cols;
    }

    @Override
    public Tensor fold2d(Tensor cols, int channels, int height, int width,
                         int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        Tensor cc = convert(cols, DType.F32);
        int b = cols.size(0);
        int oh = (height + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (width + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        Tensor x = empty(DType.F32, new int[] {b, channels, height, width});
        launch1d("conv.cu", "eb_fold2d", x.numel(), KernelArgs.of().ptr(ptr(x)).ptr(ptr(cc))
                .struct(convParams(b, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)));
        return x;
    }

    // ================================================================= optimizer

    @Override
    public void adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq,
                          double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
        int n = param.numel();
        if (n == 0) return;
        Tensor g = convert(grad, DType.F32);
        for (Tensor t : new Tensor[] {param, expAvg, expAvgSq})
            if (t.dtype() != DType.F32 || !t.isContiguous())
                throw new IllegalArgumentException("adamw on the GPU needs contiguous F32 param and state, got " + t.dtype()
                        + (t.isContiguous() ? "" : " (strided)"));
        // One small upload: the four pointer lists (one entry each) and the offsets {0, n}.
        long[] table = {ptr(param), ptr(g), ptr(expAvg), ptr(expAvgSq), 0, n};
        CudaStorage lists = (CudaStorage) fromLongs(table, DType.I64);
        long base = lists.pointer();
        AdamWKernels.step(device, stream(), base, base + 8, base + 16, base + 24, base + 32, 1, n, 0,
                lr, beta1, beta2, eps, weightDecay, step);
        // keep `lists` reachable until the launch is enqueued
        java.lang.ref.Reference.reachabilityFence(lists);
        java.lang.ref.Reference.reachabilityFence(g);
    }
}
