package dev.eve.cuda;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.Backends;
import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.blas.CudaBlas;
import dev.eve.cuda.runtime.CachingAllocator;
import dev.eve.cuda.runtime.CudaDevice;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every CUDA backend op against the CPU backend on the same random inputs. Skipped, with the reason,
 * where no GPU can be used.
 */
class CudaBackendTest {

    private static Backend cpu;
    private static CudaBackend gpu;
    private final Random rnd = new Random(42);

    @BeforeEach
    void setUp() {
        GpuAssumptions.assumeGpu(); // each test reports the skip and its reason
        if (gpu == null) {
            cpu = Backends.of(Device.CPU);
            gpu = (CudaBackend) Backends.of(Device.cuda(0));
        }
    }

    // ---------------------------------------------------------------- helpers

    private Tensor randCpu(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) rnd.nextGaussian();
        return Tensor.of(d, shape);
    }

    private Tensor randLongCpu(long bound, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        long[] d = new long[n];
        for (int i = 0; i < n; i++) d[i] = (long) (rnd.nextDouble() * bound);
        return Tensor.of(d, shape);
    }

    /** A GPU copy of a CPU tensor (contiguous), of {@code dtype}. */
    static Tensor toGpu(Tensor c, DType dtype) {
        var s = dtype.isFloating() ? gpu.fromFloats(c.toFloatArray(), dtype) : gpu.fromLongs(c.toLongArray(), dtype);
        return Tensor.fromStorage(s, c.shape());
    }

    static Tensor toGpu(Tensor c) {
        return toGpu(c, c.dtype());
    }

    /** The same view (shape/strides/offset) over a GPU copy of the storage's data. */
    static Tensor sameView(Tensor cpuView, Tensor cpuBase) {
        Tensor g = toGpu(cpuBase);
        return g.viewOf(cpuView.shape(), cpuView.strides(), cpuView.offset());
    }

    static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = cpu.toFloatArray(expected), a = gpu.toFloatArray(actual);
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i])) {
                assertTrue(Float.isNaN(a[i]), what + " [" + i + "]: expected NaN, got " + a[i]);
                continue;
            }
            double t = tol * Math.max(1, Math.abs(e[i]));
            assertEquals(e[i], a[i], t, what + " [" + i + "]");
        }
    }

    static void exact(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertArrayEquals(cpu.toLongArray(expected), gpu.toLongArray(actual), what);
    }

    // ---------------------------------------------------------------- transfers, copy, fill

    @Test
    void roundTripsEveryDtype() {
        float[] f = {0f, 1.5f, -2.25f, 3e-3f, 65504f, Float.NaN};
        assertArrayEquals(f, gpu.toFloatArray(Tensor.fromStorage(gpu.fromFloats(f, DType.F32), 6)));
        float[] bf = gpu.toFloatArray(Tensor.fromStorage(gpu.fromFloats(new float[] {1f, 1.00390625f, 3.14159f}, DType.BF16), 3));
        assertArrayEquals(new float[] {1f, 1f, 3.140625f}, bf);
        float[] h = gpu.toFloatArray(Tensor.fromStorage(gpu.fromFloats(new float[] {1f, 0.1f, 70000f}, DType.F16), 3));
        assertEquals(0.0999755859375f, h[1]);
        assertEquals(Float.POSITIVE_INFINITY, h[2]);
        long[] l = {0, -1, Long.MAX_VALUE, 1L << 40};
        assertArrayEquals(l, gpu.toLongArray(Tensor.fromStorage(gpu.fromLongs(l, DType.I64), 4)));
        assertArrayEquals(new long[] {0, 1, 1, 1}, gpu.toLongArray(Tensor.fromStorage(gpu.fromLongs(l, DType.BOOL), 4)));
        assertArrayEquals(new long[] {0, -1, -1, 0}, gpu.toLongArray(Tensor.fromStorage(gpu.fromLongs(l, DType.I32), 4)));
        Tensor z = Tensor.fromStorage(gpu.allocate(DType.F32, 1000), 1000);
        for (float v : gpu.toFloatArray(z)) assertEquals(0f, v);
    }

    @Test
    void copyWithBroadcastTransposeAndConversion() {
        Tensor base = randCpu(3, 4);
        Tensor t = base.transpose(0, 1); // [4,3] strided
        Tensor dstCpu = Tensor.zeros(4, 3);
        cpu.copy(t, dstCpu);
        Tensor dstGpu = toGpu(Tensor.zeros(4, 3));
        gpu.copy(sameView(t, base), dstGpu);
        close(dstCpu, dstGpu, 0, "transposed copy");
        // broadcast row into a matrix, F32 -> I64 conversion
        Tensor row = randCpu(1, 5).mul(10);
        Tensor rowB = row.viewOf(new int[] {3, 5}, new int[] {0, 1}, 0);
        Tensor li = Tensor.zeros(DType.I64, 3, 5);
        cpu.copy(rowB, li);
        Tensor lg = toGpu(Tensor.zeros(DType.I64, 3, 5));
        gpu.copy(toGpu(row).viewOf(new int[] {3, 5}, new int[] {0, 1}, 0), lg);
        exact(li, lg, "broadcast F32->I64 copy");
    }

    @Test
    void fillViews() {
        Tensor c = Tensor.zeros(4, 6), g = toGpu(c);
        Tensor cv = c.slice(1, 1, 4), gv = g.viewOf(cv.shape(), cv.strides(), cv.offset());
        cpu.fill(cv, 2.5);
        gpu.fill(gv, 2.5);
        close(c, g, 0, "fill of a slice");
        Tensor ci = Tensor.zeros(DType.I32, 5), gi = toGpu(ci);
        cpu.fill(ci, -7);
        gpu.fill(gi, -7);
        exact(ci, gi, "fill I32");
    }

    // ---------------------------------------------------------------- elementwise

    @Test
    void unaryOpsAndDerivatives() {
        Tensor x = randCpu(7, 33);
        Tensor pos = cpu.unary(UnaryOp.ABS, x).add(0.1);
        for (UnaryOp op : UnaryOp.values()) {
            Tensor in = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT ? pos : x;
            Tensor gin = toGpu(in);
            Tensor ey = cpu.unary(op, in), gy = gpu.unary(op, gin);
            assertEquals(ey.dtype(), gy.dtype(), op.name());
            close(ey, gy, 2e-5, op.name());
            // strided input
            Tensor inT = in.transpose(0, 1);
            close(cpu.unary(op, inT), gpu.unary(op, gin.transpose(0, 1)), 2e-5, op + " strided");
            if (!op.piecewiseConstant()) {
                Tensor g = randCpu(7, 33);
                close(cpu.unaryBackward(op, in, ey, g), gpu.unaryBackward(op, gin, gy, toGpu(g)), 5e-5, op + " backward");
            }
        }
        Tensor ints = randLongCpu(20, 10).sub(10);
        for (UnaryOp op : new UnaryOp[] {UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SIGN, UnaryOp.SQUARE, UnaryOp.RELU, UnaryOp.NOT})
            exact(cpu.unary(op, ints), gpu.unary(op, toGpu(ints)), op + " on I64");
    }

    @Test
    void binaryOpsWithBroadcast() {
        Tensor a = randCpu(4, 5), b = randCpu(1, 5);
        Tensor bExp = b.viewOf(new int[] {4, 5}, new int[] {0, 1}, 0);
        Tensor ga = toGpu(a), gb = toGpu(b).viewOf(new int[] {4, 5}, new int[] {0, 1}, 0);
        for (BinaryOp op : BinaryOp.values()) {
            Tensor e = cpu.binary(op, a, bExp), g = gpu.binary(op, ga, gb);
            assertEquals(e.dtype(), g.dtype(), op.name());
            close(e, g, 1e-5, op.name());
            close(cpu.binary(op, a, a), gpu.binary(op, ga, ga), 1e-5, op + " contiguous");
            for (boolean first : new boolean[] {false, true})
                close(cpu.binaryScalar(op, a, 1.5, first), gpu.binaryScalar(op, ga, 1.5, first), 1e-5, op + " scalar " + first);
        }
        Tensor ia = randLongCpu(50, 6).add(1), ib = randLongCpu(7, 6).add(1);
        for (BinaryOp op : BinaryOp.values()) {
            Tensor e = cpu.binary(op, ia, ib), g = gpu.binary(op, toGpu(ia), toGpu(ib));
            assertEquals(e.dtype(), g.dtype(), op + " I64");
            close(e, g, 1e-6, op + " I64");
            close(cpu.binaryScalar(op, ia, 3, false), gpu.binaryScalar(op, toGpu(ia), 3, false), 1e-6, op + " I64 scalar");
        }
    }

    @Test
    void addInPlaceAndWhere() {
        Tensor a = randCpu(3, 8), b = randCpu(8);
        Tensor ga = toGpu(a);
        Tensor bExp = b.viewOf(new int[] {3, 8}, new int[] {0, 1}, 0);
        cpu.addInPlace(a, bExp, 0.5f);
        gpu.addInPlace(ga, toGpu(b).viewOf(new int[] {3, 8}, new int[] {0, 1}, 0), 0.5f);
        close(a, ga, 1e-6, "addInPlace broadcast");
        Tensor c2 = randCpu(3, 8);
        Tensor gc2 = toGpu(c2);
        cpu.addInPlace(a, c2, -2f);
        gpu.addInPlace(ga, gc2, -2f);
        close(a, ga, 1e-6, "addInPlace");
        Tensor cond = cpu.binaryScalar(BinaryOp.GT, c2, 0, false);
        close(cpu.where(cond, a, c2), gpu.where(toGpu(cond), ga, gc2), 0, "where");
    }

    // ---------------------------------------------------------------- reductions

    @Test
    void reductionsOverEveryDimSet() {
        Tensor x = randCpu(3, 4, 70);
        Tensor gx = toGpu(x);
        int[][] dimSets = {{0}, {1}, {2}, {0, 1}, {1, 2}, {0, 2}, {0, 1, 2}};
        for (ReduceOp op : ReduceOp.values())
            for (int[] dims : dimSets) {
                Tensor e = cpu.reduce(op, x, dims), g = gpu.reduce(op, gx, dims);
                assertEquals(e.dtype(), g.dtype(), op + Arrays.toString(dims));
                close(e, g, op == ReduceOp.PROD ? 1e-3 : 2e-5, op + " " + Arrays.toString(dims));
            }
        Tensor xi = randLongCpu(10, 5, 6);
        for (ReduceOp op : ReduceOp.values())
            close(cpu.reduce(op, xi, new int[] {1}), gpu.reduce(op, toGpu(xi), new int[] {1}), 1e-6, op + " I64");
        for (int d = 0; d < 3; d++)
            for (boolean max : new boolean[] {true, false})
                exact(cpu.argReduce(max, x, d), gpu.argReduce(max, gx, d), "argReduce " + max + " dim " + d);
        for (int d = 0; d < 3; d++) close(cpu.cumsum(x, d), gpu.cumsum(gx, d), 1e-5, "cumsum " + d);
        exact(cpu.cumsum(xi, 1), gpu.cumsum(toGpu(xi), 1), "cumsum I64");
    }

    @Test
    void topk() {
        Tensor x = randCpu(6, 300);
        Tensor gx = toGpu(x);
        for (int k : new int[] {1, 5, 17})
            for (boolean largest : new boolean[] {true, false}) {
                Tensor[] e = cpu.topk(x, k, 1, largest), g = gpu.topk(gx, k, 1, largest);
                close(e[0], g[0], 0, "topk values k=" + k);
                exact(e[1], g[1], "topk indices k=" + k);
                Tensor[] e0 = cpu.topk(x, 2, 0, largest), g0 = gpu.topk(gx, 2, 0, largest);
                close(e0[0], g0[0], 0, "topk dim 0");
                exact(e0[1], g0[1], "topk dim 0 indices");
            }
        Tensor ties = Tensor.of(new float[] {1, 3, 3, 2, 3}, 1, 5);
        exact(cpu.topk(ties, 3, 1, true)[1], gpu.topk(toGpu(ties), 3, 1, true)[1], "ties by index");
    }

    // ---------------------------------------------------------------- matmul

    @Test
    void matmulLayoutsAndBroadcast() {
        Tensor a = randCpu(3, 17, 33), b = randCpu(3, 33, 9);
        Tensor ga = toGpu(a), gb = toGpu(b);
        close(cpu.matmul(a, b, 1f), gpu.matmul(ga, gb, 1f), 1e-4, "plain");
        Tensor at = randCpu(3, 33, 17), bt = randCpu(3, 9, 33);
        Tensor aT = at.transpose(1, 2), bT = bt.transpose(1, 2);
        close(cpu.matmul(aT, bT, 0.5f), gpu.matmul(toGpu(at).transpose(1, 2), toGpu(bt).transpose(1, 2), 0.5f), 1e-4, "transposed");
        Tensor w = randCpu(1, 33, 9);
        Tensor wB = w.viewOf(new int[] {3, 33, 9}, new int[] {0, 9, 1}, 0);
        close(cpu.matmul(a, wB, 1f), gpu.matmul(ga, toGpu(w).viewOf(new int[] {3, 33, 9}, new int[] {0, 9, 1}, 0), 1f), 1e-4,
                "broadcast weight");
        Tensor big = randCpu(2, 66, 18); // every other column: needs a copy
        Tensor odd = big.viewOf(new int[] {2, 66, 9}, new int[] {66 * 18, 18, 2}, 0);
        close(cpu.matmul(a.slice(0, 0, 2), odd.slice(1, 0, 33), 1f),
                gpu.matmul(ga.slice(0, 0, 2), sameView(odd.slice(1, 0, 33), big), 1f), 1e-4, "strided copy");
    }

    @Test
    void matmulTf32AndBf16Autocast() {
        Tensor a = randCpu(2, 64, 128), b = randCpu(2, 128, 32);
        Tensor e = cpu.matmul(a, b, 1f);
        CudaBlas.setAllowTf32(true);
        try {
            close(e, gpu.matmul(toGpu(a), toGpu(b), 1f), 2e-2, "tf32");
        } finally {
            CudaBlas.setAllowTf32(Boolean.getBoolean("eve.cuda.tf32"));
        }
        try (Autocast ignored = Autocast.bf16()) {
            Tensor g = gpu.matmul(toGpu(a), toGpu(b), 1f);
            assertEquals(DType.F32, g.dtype());
            close(e, g, 6e-2, "bf16 autocast");
        }
        close(e, gpu.matmul(toGpu(a, DType.BF16), toGpu(b, DType.BF16), 1f), 6e-2, "bf16 inputs");
        close(e, gpu.matmul(toGpu(a, DType.F16), toGpu(b, DType.F16), 1f), 1e-2, "f16 inputs");
    }

    // ---------------------------------------------------------------- fused

    @Test
    void softmaxAndLayerNorm() {
        Tensor x = randCpu(9, 130);
        Tensor gx = toGpu(x);
        for (boolean log : new boolean[] {false, true}) {
            Tensor y = cpu.softmax(x, log), gy = gpu.softmax(gx, log);
            close(y, gy, 1e-5, "softmax " + log);
            Tensor g = randCpu(9, 130);
            close(cpu.softmaxBackward(y, g, log), gpu.softmaxBackward(gy, toGpu(g), log), 1e-4, "softmax backward " + log);
        }
        Tensor w = randCpu(130), bias = randCpu(130);
        Tensor[] e = cpu.layerNorm(x, w, bias, 1e-5f), g = gpu.layerNorm(gx, toGpu(w), toGpu(bias), 1e-5f);
        for (int i = 0; i < 3; i++) close(e[i], g[i], 1e-4, "layerNorm " + i);
        Tensor grad = randCpu(9, 130);
        Tensor[] eb = cpu.layerNormBackward(grad, x, e[1], e[2], w, true);
        Tensor[] gb = gpu.layerNormBackward(toGpu(grad), gx, g[1], g[2], toGpu(w), true);
        for (int i = 0; i < 3; i++) close(eb[i], gb[i], 1e-3, "layerNorm backward " + i);
    }

    @Test
    void attentionFusedAndComposed() {
        for (int d : new int[] {64, 24}) {
            Tensor q = randCpu(2, 3, 20, d), k = randCpu(2, 3, 27, d), v = randCpu(2, 3, 27, d);
            Tensor mask = Tensor.of(new boolean[54], 2, 27);
            boolean[] keep = new boolean[54];
            for (int i = 0; i < 54; i++) keep[i] = i % 27 < 20 + (i / 27) * 5;
            mask = Tensor.of(keep, 2, 27);
            float scale = (float) (1 / Math.sqrt(d));
            Tensor[] e = cpu.attention(q, k, v, mask, scale);
            Tensor[] g = gpu.attention(toGpu(q), toGpu(k), toGpu(v), toGpu(mask), scale);
            close(e[0], g[0], 1e-4, "attention out d=" + d);
            close(e[1], g[1], 1e-4, "attention lse d=" + d);
            Tensor go = randCpu(2, 3, 20, d);
            Tensor[] eb = cpu.attentionBackward(q, k, v, mask, scale, e[0], e[1], go);
            Tensor[] gb = gpu.attentionBackward(toGpu(q), toGpu(k), toGpu(v), toGpu(mask), scale, g[0], g[1], toGpu(go));
            for (int i = 0; i < 3; i++) close(eb[i], gb[i], 1e-3, "attention backward " + i + " d=" + d);
            try (Autocast ignored = Autocast.bf16()) {
                Tensor[] ga = gpu.attention(toGpu(q), toGpu(k), toGpu(v), toGpu(mask), scale);
                assertEquals(DType.F32, ga[0].dtype());
                close(e[0], ga[0], 5e-2, "attention bf16 autocast d=" + d);
            }
        }
    }

    @Test
    void maskedCrossEntropy() {
        int n = 13, h = 40, vocab = 300;
        Tensor hidden = randCpu(n, h), weight = randCpu(vocab, h).mul(0.2), bias = randCpu(vocab);
        Tensor targets = randLongCpu(vocab, n);
        Tensor[] e = cpu.maskedCrossEntropyForward(hidden, weight, bias, targets);
        Tensor[] g = gpu.maskedCrossEntropyForward(toGpu(hidden), toGpu(weight), toGpu(bias), toGpu(targets));
        close(e[0], g[0], 1e-4, "loss");
        close(e[1], g[1], 1e-4, "lse");
        Tensor rowGrad = randCpu(n);
        Tensor[] eb = cpu.maskedCrossEntropyBackward(hidden, weight, bias, targets, e[1], rowGrad, true, true, true);
        Tensor[] gb = gpu.maskedCrossEntropyBackward(toGpu(hidden), toGpu(weight), toGpu(bias), toGpu(targets), g[1],
                toGpu(rowGrad), true, true, true);
        for (int i = 0; i < 3; i++) close(eb[i], gb[i], 1e-3, "masked CE backward " + i);
    }

    @Test
    void moeDispatchCombineAndBackward() {
        // 2 choices of 9 tokens, some dropped, into 13 rows of which 2 are named by no assignment
        int s = 9, h = 40, rowsTotal = 13;
        int[] map = {0, 5, -1, 3, 7, 1, -1, 12, 9,   2, -1, -1, 4, 6, 10, 11, -1, 8};
        Tensor rows = Tensor.of(map, 2, s), tokens = randCpu(s, h), y = randCpu(rowsTotal, h), grad = randCpu(s, h);
        Tensor weights = randCpu(2, s);
        for (DType type : new DType[] {DType.F32, DType.BF16}) {
            // F32: the same explicitly rounded arithmetic as the CPU, so the same bits; bf16: one rounding
            double tol = type == DType.F32 ? 0 : 1e-2;
            Tensor gy = toGpu(y, type), gt = toGpu(tokens, type), gg = toGpu(grad, type), gr = toGpu(rows), gw = toGpu(weights);
            close(cpu.moeDispatch(tokens, rows, rowsTotal), gpu.moeDispatch(gt, gr, rowsTotal), tol, "dispatch " + type);
            close(cpu.moeCombine(y, rows, weights), gpu.moeCombine(gy, gr, gw), tol, "combine " + type);
            close(cpu.moeCombine(y, rows, null), gpu.moeCombine(gy, gr, null), tol, "combine, unit weights " + type);
            Tensor[] e = cpu.moeCombineBackward(grad, y, rows, weights, true);
            Tensor[] g = gpu.moeCombineBackward(gg, gy, gr, gw, true);
            close(e[0], g[0], tol, "combine backward dY " + type);
            close(e[1], g[1], type == DType.F32 ? 1e-5 : 3e-2, "combine backward dWeights " + type);
            assertNull(gpu.moeCombineBackward(gg, gy, gr, null, false)[1], "no dWeights unless asked");
        }
        // I64 row maps are converted, not misread
        close(cpu.moeCombine(y, rows, weights), gpu.moeCombine(toGpu(y), toGpu(rows.to(DType.I64)), toGpu(weights)), 0, "I64 rows");
    }

    // ---------------------------------------------------------------- indexing, conv, optimizer

    @Test
    void indexing() {
        Tensor x = randCpu(5, 6, 7);
        Tensor gx = toGpu(x);
        Tensor idx = Tensor.of(new long[] {4, 0, 2, 2}, 4);
        for (int d = 0; d < 3; d++) close(cpu.indexSelect(x, d, idx), gpu.indexSelect(gx, d, toGpu(idx)), 0, "indexSelect " + d);
        Tensor dst = randCpu(5, 6), src = randCpu(4, 6);
        Tensor gdst = toGpu(dst);
        cpu.indexAdd(dst, 0, idx, src);
        gpu.indexAdd(gdst, 0, toGpu(idx), toGpu(src));
        close(dst, gdst, 1e-5, "indexAdd");
        Tensor gi = randLongCpu(7, 5, 6, 3);
        close(cpu.gather(x, 2, gi), gpu.gather(gx, 2, toGpu(gi)), 0, "gather");
        for (boolean acc : new boolean[] {false, true}) {
            Tensor sd = Tensor.zeros(3, 4), ss = randCpu(3, 4);
            Tensor si = Tensor.of(new long[] {3, 1, 0, 2, 0, 1, 2, 3, 1, 1, 0, 2}, 3, 4);
            if (acc) si = Tensor.of(new long[] {1, 1, 0, 0, 2, 2, 2, 3, 0, 0, 0, 0}, 3, 4);
            Tensor gsd = toGpu(sd);
            cpu.scatter(sd, 1, si, ss, acc);
            gpu.scatter(gsd, 1, toGpu(si), toGpu(ss), acc);
            close(sd, gsd, 1e-5, "scatter acc=" + acc);
        }
    }

    @Test
    void unfoldAndFold() {
        Tensor x = randCpu(2, 3, 9, 11);
        int[][] cfgs = {{3, 3, 1, 1, 1, 1, 1, 1}, {4, 4, 4, 4, 0, 0, 1, 1}, {3, 2, 2, 1, 1, 0, 2, 1}};
        for (int[] c : cfgs) {
            Tensor e = cpu.unfold2d(x, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
            Tensor g = gpu.unfold2d(toGpu(x), c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
            close(e, g, 0, "unfold " + Arrays.toString(c));
            Tensor cols = randCpu(e.shape());
            close(cpu.fold2d(cols, 3, 9, 11, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]),
                    gpu.fold2d(toGpu(cols), 3, 9, 11, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]), 1e-5, "fold " + Arrays.toString(c));
        }
    }

    @Test
    void adamw() {
        Tensor p = randCpu(1000), g = randCpu(1000), m = randCpu(1000).mul(0.1), v = cpu.unary(UnaryOp.SQUARE, randCpu(1000));
        Tensor gp = toGpu(p), gm = toGpu(m), gv = toGpu(v);
        for (long step = 1; step <= 3; step++) {
            cpu.adamwStep(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.05, step);
            gpu.adamwStep(gp, toGpu(g), gm, gv, 1e-3, 0.9, 0.999, 1e-8, 0.05, step);
        }
        close(p, gp, 1e-5, "param");
        close(m, gm, 1e-5, "exp_avg");
        close(v, gv, 1e-5, "exp_avg_sq");
    }

    // ---------------------------------------------------------------- allocator

    @Test
    void steadyStateAllocatesNothing() {
        CudaDevice dev = gpu.cudaDevice();
        Tensor a = toGpu(randCpu(64, 256)), b = toGpu(randCpu(1, 256, 64));
        Runnable step = () -> {
            Tensor y = gpu.matmul(a.viewOf(new int[] {1, 64, 256}, new int[] {0, 256, 1}, 0), b, 1f);
            Tensor s = gpu.softmax(y, false);
            gpu.reduce(ReduceOp.SUM, gpu.unary(UnaryOp.EXP, s), new int[] {2});
        };
        for (int i = 0; i < 3; i++) step.run();
        dev.synchronize();
        System.gc();
        CachingAllocator.Stats before;
        // Let the Cleaner return the warm-up's blocks.
        long deadline = System.nanoTime() + 2_000_000_000L;
        do {
            System.gc();
            before = dev.allocator().stats();
            for (int i = 0; i < 20; i++) {
                step.run();
                System.gc();
            }
        } while (dev.allocator().stats().deviceMallocs() != before.deviceMallocs() && System.nanoTime() < deadline);
        CachingAllocator.Stats after = dev.allocator().stats();
        assertEquals(before.deviceMallocs(), after.deviceMallocs(), "cudaMalloc in the steady state: " + after);
        assertTrue(after.cacheHits() > before.cacheHits());
        assertTrue(after.reservedBytes() >= after.allocatedBytes());
        assertTrue(after.peakAllocatedBytes() >= after.allocatedBytes());
    }
}
