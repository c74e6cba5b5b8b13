package dev.eve.models.fakedevice;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.BackendProvider;
import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.backend.cpu.CpuBackend;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;
import dev.eve.core.tensor.Tensor;

/**
 * A test-only device, {@code fake}, that catches device mixing on a machine without a GPU. Its
 * backend runs every kernel on the CPU backend, but its storages report the fake device, and every
 * kernel refuses a tensor that is not on it: an op that mixes a fake tensor with a CPU tensor throws,
 * as it would with a CUDA tensor, while the numbers of a model run entirely on the fake device are
 * bit-identical to the CPU's. Registered as a {@link BackendProvider} in the test resources, so
 * {@code Device.parse("fake")} and {@code -Deve.test.device=fake} work in eve-models' tests.
 */
public final class FakeDevice {

    public static final String TYPE = "fake";
    public static final Device DEVICE = new Device(TYPE, 0);
    /** fake:0 .. fake:3. */
    public static final int DEVICE_COUNT = 4;

    private FakeDevice() {}

    /** The service entry (META-INF/services/dev.eve.core.backend.BackendProvider). */
    public static final class Provider implements BackendProvider {
        @Override
        public String deviceType() {
            return TYPE;
        }

        @Override
        public Backend backend(int index) {
            return new FakeBackend(new Device(TYPE, index));
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        /** Several, so that data-parallel replicas can each have their own (see {@link FakeDeviceGroups}). */
        @Override
        public int deviceCount() {
            return DEVICE_COUNT;
        }
    }

    /** A CPU storage that says it lives on the fake device. */
    record FakeStorage(Storage inner, Device device) implements Storage {
        @Override
        public DType dtype() {
            return inner.dtype();
        }

        @Override
        public int size() {
            return inner.size();
        }
    }

    /** Delegates to the CPU backend after checking that every tensor argument is on this device. */
    static final class FakeBackend implements Backend {
        private static final Backend CPU = CpuBackend.INSTANCE;
        private final Device device;

        FakeBackend(Device device) {
            this.device = device;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public String toString() {
            return device + " (the CPU backend behind a device check)";
        }

        /** The CPU view of a tensor of this device; throws for a tensor of any other device. */
        private Tensor in(Tensor t) {
            if (t == null) return null;
            if (!(t.storage() instanceof FakeStorage s) || !s.device().equals(device))
                throw new IllegalArgumentException("expected a tensor on " + device + ", got one on " + t.storage().device()
                        + " (device mix)");
            return Tensor.fromStorage(s.inner(), t.shape(), t.strides(), t.offset());
        }

        private Tensor out(Tensor t) {
            if (t == null) return null;
            if (t.storage() instanceof FakeStorage) throw new IllegalStateException("the CPU backend returned a " + device + " tensor");
            return Tensor.fromStorage(wrap(t.storage()), t.shape(), t.strides(), t.offset());
        }

        private Tensor[] out(Tensor[] ts) {
            Tensor[] r = new Tensor[ts.length];
            for (int i = 0; i < ts.length; i++) r[i] = out(ts[i]);
            return r;
        }

        private Storage wrap(Storage s) {
            return new FakeStorage(s, device);
        }

        @Override
        public Storage allocate(DType dtype, int numel) {
            return wrap(CPU.allocate(dtype, numel));
        }

        @Override
        public Storage fromFloats(float[] data, DType dtype) {
            return wrap(CPU.fromFloats(data, dtype));
        }

        @Override
        public Storage fromLongs(long[] data, DType dtype) {
            return wrap(CPU.fromLongs(data, dtype));
        }

        @Override
        public float[] toFloatArray(Tensor t) {
            return CPU.toFloatArray(in(t));
        }

        @Override
        public long[] toLongArray(Tensor t) {
            return CPU.toLongArray(in(t));
        }

        @Override
        public void copy(Tensor src, Tensor dst) {
            CPU.copy(in(src), in(dst));
        }

        @Override
        public void fill(Tensor dst, double value) {
            CPU.fill(in(dst), value);
        }

        @Override
        public Tensor unary(UnaryOp op, Tensor x) {
            return out(CPU.unary(op, in(x)));
        }

        @Override
        public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor grad) {
            return out(CPU.unaryBackward(op, in(x), in(y), in(grad)));
        }

        @Override
        public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
            return out(CPU.binary(op, in(a), in(b)));
        }

        @Override
        public Tensor binaryScalar(BinaryOp op, Tensor a, double s, boolean scalarFirst) {
            return out(CPU.binaryScalar(op, in(a), s, scalarFirst));
        }

        @Override
        public void addInPlace(Tensor a, Tensor b, float alpha) {
            CPU.addInPlace(in(a), in(b), alpha);
        }

        @Override
        public Tensor where(Tensor cond, Tensor a, Tensor b) {
            return out(CPU.where(in(cond), in(a), in(b)));
        }

        @Override
        public Tensor reduce(ReduceOp op, Tensor x, int[] dims) {
            return out(CPU.reduce(op, in(x), dims));
        }

        @Override
        public Tensor argReduce(boolean max, Tensor x, int dim) {
            return out(CPU.argReduce(max, in(x), dim));
        }

        @Override
        public Tensor cumsum(Tensor x, int dim) {
            return out(CPU.cumsum(in(x), dim));
        }

        @Override
        public Tensor[] topk(Tensor x, int k, int dim, boolean largest) {
            return out(CPU.topk(in(x), k, dim, largest));
        }

        @Override
        public Tensor matmul(Tensor a, Tensor b, float alpha) {
            return out(CPU.matmul(in(a), in(b), alpha));
        }

        @Override
        public Tensor softmax(Tensor x, boolean log) {
            return out(CPU.softmax(in(x), log));
        }

        @Override
        public Tensor softmaxBackward(Tensor y, Tensor grad, boolean log) {
            return out(CPU.softmaxBackward(in(y), in(grad), log));
        }

        @Override
        public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
            return out(CPU.layerNorm(in(x), in(weight), in(bias), eps));
        }

        @Override
        public Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean hasBias) {
            return out(CPU.layerNormBackward(in(grad), in(x), in(mean), in(rstd), in(weight), hasBias));
        }

        @Override
        public Tensor[] attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale) {
            return out(CPU.attention(in(q), in(k), in(v), in(keyMask), scale));
        }

        @Override
        public Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale,
                                          Tensor out, Tensor logsumexp, Tensor gradOut) {
            return out(CPU.attentionBackward(in(q), in(k), in(v), in(keyMask), scale, in(out), in(logsumexp), in(gradOut)));
        }

        @Override
        public Tensor[] maskedCrossEntropyForward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets) {
            return out(CPU.maskedCrossEntropyForward(in(hidden), in(weight), in(bias), in(targets)));
        }

        @Override
        public Tensor[] maskedCrossEntropyBackward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Tensor lse,
                                                   Tensor rowGrad, boolean needHidden, boolean needWeight, boolean needBias) {
            return out(CPU.maskedCrossEntropyBackward(in(hidden), in(weight), in(bias), in(targets), in(lse), in(rowGrad),
                    needHidden, needWeight, needBias));
        }

        @Override
        public Tensor moeDispatch(Tensor tokens, Tensor rows, int outRows) {
            return out(CPU.moeDispatch(in(tokens), in(rows), outRows));
        }

        @Override
        public Tensor moeCombine(Tensor y, Tensor rows, Tensor weights) {
            return out(CPU.moeCombine(in(y), in(rows), in(weights)));
        }

        @Override
        public Tensor[] moeCombineBackward(Tensor grad, Tensor y, Tensor rows, Tensor weights, boolean weightGrad) {
            return out(CPU.moeCombineBackward(in(grad), in(y), in(rows), in(weights), weightGrad));
        }

        @Override
        public Tensor indexSelect(Tensor x, int dim, Tensor index) {
            return out(CPU.indexSelect(in(x), dim, in(index)));
        }

        @Override
        public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
            CPU.indexAdd(in(dst), dim, in(index), in(src));
        }

        @Override
        public Tensor gather(Tensor x, int dim, Tensor index) {
            return out(CPU.gather(in(x), dim, in(index)));
        }

        @Override
        public void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate) {
            CPU.scatter(in(dst), dim, in(index), in(src), accumulate);
        }

        @Override
        public Tensor unfold2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
            return out(CPU.unfold2d(in(x), kh, kw, sh, sw, ph, pw, dh, dw));
        }

        @Override
        public Tensor fold2d(Tensor cols, int channels, int height, int width,
                             int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
            return out(CPU.fold2d(in(cols), channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw));
        }

        @Override
        public void adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq,
                              double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
            CPU.adamwStep(in(param), in(grad), in(expAvg), in(expAvgSq), lr, beta1, beta2, eps, weightDecay, step);
        }
    }
}
