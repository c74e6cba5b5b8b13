package dev.eve.core.tensor;

import dev.eve.core.autograd.Engine;
import dev.eve.core.autograd.GradMode;
import dev.eve.core.autograd.Node;
import dev.eve.core.backend.Backend;
import dev.eve.core.backend.Backends;
import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.ops.Arithmetic;
import dev.eve.core.ops.Casting;
import dev.eve.core.ops.Indexing;
import dev.eve.core.ops.Linalg;
import dev.eve.core.ops.Normalization;
import dev.eve.core.ops.Pointwise;
import dev.eve.core.ops.Reductions;
import dev.eve.core.ops.Views;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * An n-dimensional array on a device, with reverse-mode autograd, in the spirit of PyTorch's tensor.
 *
 * <p>A tensor is a view: a {@link Storage} plus shape, strides and offset (in elements). Views
 * (reshape when possible, permute, transpose, slice, select, expand, squeeze) share storage; ops
 * return new tensors. Tensors that {@link #requiresGrad()} record the op that made them, and
 * {@link #backward()} fills the {@link #grad()} of the leaves.
 *
 * <p>Dims may be negative (counted from the end). Arithmetic broadcasts like NumPy.
 */
public final class Tensor {

    // Not final only for setData (moving a parameter between devices in place, like PyTorch's .data).
    private Storage storage;
    private int[] shape;
    private int[] strides;
    private int offset;
    private Backend backend;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;
    private List<Consumer<Tensor>> gradHooks;
    private List<Consumer<Tensor>> gradReadyHooks;

    private Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /**
     * A view over {@code storage}. Backends and loaders use this; it checks that every addressed
     * element lies inside the storage.
     */
    public static Tensor fromStorage(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("shape " + Shapes.format(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        long lo = offset, hi = offset;
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) throw new IllegalArgumentException("negative dimension in shape " + Shapes.format(shape));
            if (shape[i] == 0) empty = true;
            long span = (long) (shape[i] - 1) * strides[i];
            if (span < 0) lo += span;
            else hi += span;
        }
        if (!empty && (lo < 0 || hi >= storage.size()))
            throw new IllegalArgumentException("view " + Shapes.format(shape) + " strides " + Arrays.toString(strides)
                    + " offset " + offset + " reaches outside a storage of " + storage.size() + " elements");
        return new Tensor(storage, shape.clone(), strides.clone(), offset);
    }

    /** A contiguous tensor over the whole {@code storage}. */
    public static Tensor fromStorage(Storage storage, int... shape) {
        if (Shapes.numel(shape) != storage.size())
            throw new IllegalArgumentException("shape " + Shapes.format(shape) + " needs " + Shapes.numel(shape)
                    + " elements but the storage has " + storage.size());
        return new Tensor(storage, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    // ================================================================= creation

    public static Tensor zeros(int... shape) {
        return zeros(DType.F32, shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        return zeros(Device.CPU, dtype, shape);
    }

    public static Tensor zeros(Device device, DType dtype, int... shape) {
        return fromStorage(Backends.of(device).allocate(dtype, Shapes.numel(shape)), shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(double value, int... shape) {
        return full(Device.CPU, DType.F32, value, shape);
    }

    public static Tensor full(Device device, DType dtype, double value, int... shape) {
        Tensor t = zeros(device, dtype, shape);
        if (value != 0) t.backend().fill(t, value);
        return t;
    }

    public static Tensor zerosLike(Tensor t) {
        return zeros(t.device(), t.dtype(), t.shape);
    }

    public static Tensor onesLike(Tensor t) {
        return full(t.device(), t.dtype(), 1, t.shape);
    }

    /** A new zero tensor on this tensor's device, of its dtype. */
    public Tensor newZeros(int... shape) {
        return zeros(device(), dtype(), shape);
    }

    /** A new tensor filled with {@code value} on this tensor's device, of its dtype. */
    public Tensor newFull(double value, int... shape) {
        return full(device(), dtype(), value, shape);
    }

    /** A 0-d tensor on this tensor's device, of its dtype. */
    public Tensor newScalar(double value) {
        return full(device(), dtype(), value);
    }

    /**
     * An F32 tensor holding a copy of {@code data} with the given shape (1-d when no shape is given;
     * use {@link #scalar} or {@code reshape()} for 0-d).
     */
    public static Tensor of(float[] data, int... shape) {
        int[] s = shape.length == 0 ? new int[] {data.length} : shape;
        checkLength(data.length, s);
        return fromStorage(Backends.of(Device.CPU).fromFloats(data, DType.F32), s);
    }

    /** An I64 tensor holding a copy of {@code data} (1-d when no shape is given). */
    public static Tensor of(long[] data, int... shape) {
        int[] s = shape.length == 0 ? new int[] {data.length} : shape;
        checkLength(data.length, s);
        return fromStorage(Backends.of(Device.CPU).fromLongs(data, DType.I64), s);
    }

    /** An I32 tensor holding a copy of {@code data} (1-d when no shape is given). */
    public static Tensor of(int[] data, int... shape) {
        long[] wide = new long[data.length];
        for (int i = 0; i < data.length; i++) wide[i] = data[i];
        int[] s = shape.length == 0 ? new int[] {data.length} : shape;
        checkLength(data.length, s);
        return fromStorage(Backends.of(Device.CPU).fromLongs(wide, DType.I32), s);
    }

    /** A BOOL tensor (1-d when no shape is given). */
    public static Tensor of(boolean[] data, int... shape) {
        long[] wide = new long[data.length];
        for (int i = 0; i < data.length; i++) wide[i] = data[i] ? 1 : 0;
        int[] s = shape.length == 0 ? new int[] {data.length} : shape;
        checkLength(data.length, s);
        return fromStorage(Backends.of(Device.CPU).fromLongs(wide, DType.BOOL), s);
    }

    private static void checkLength(int length, int[] shape) {
        if (Shapes.numel(shape) != length)
            throw new IllegalArgumentException(length + " values cannot fill shape " + Shapes.format(shape));
    }

    /** A 0-d F32 tensor. */
    public static Tensor scalar(double value) {
        return of(new float[] {(float) value}).reshape();
    }

    /** {@code [0, 1, ..., end-1]} as I64. */
    public static Tensor arange(int end) {
        return arange(0, end);
    }

    /** {@code [start, start+1, ..., end-1]} as I64. */
    public static Tensor arange(int start, int end) {
        long[] v = new long[Math.max(0, end - start)];
        for (int i = 0; i < v.length; i++) v[i] = start + i;
        return of(v);
    }

    /** {@code start, start+step, ...} below {@code end}, as F32. */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0) throw new IllegalArgumentException("arange step must be non-zero");
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (start + i * step);
        return of(v);
    }

    /** Uniform in [0, 1) from the current generator. */
    public static Tensor rand(int... shape) {
        return rand(Generator.current(), shape);
    }

    /** Uniform in [0, 1). */
    public static Tensor rand(Generator gen, int... shape) {
        return uniform(gen, 0, 1, shape);
    }

    /** Uniform in [low, high). */
    public static Tensor uniform(Generator gen, double low, double high, int... shape) {
        float[] v = new float[Shapes.numel(shape)];
        gen.fillUniform(v, (float) low, (float) high);
        return of(v, shape);
    }

    /** Standard normal from the current generator. */
    public static Tensor randn(int... shape) {
        return randn(Generator.current(), shape);
    }

    /** Standard normal. */
    public static Tensor randn(Generator gen, int... shape) {
        return normal(gen, 0, 1, shape);
    }

    /** Normal with the given mean and standard deviation. */
    public static Tensor normal(Generator gen, double mean, double std, int... shape) {
        float[] v = new float[Shapes.numel(shape)];
        gen.fillNormal(v, (float) mean, (float) std);
        return of(v, shape);
    }

    /**
     * Normal(mean, std) truncated to [a, b] (absolute bounds, not multiples of std, as
     * {@code torch.nn.init.trunc_normal_}). Samples by rejection when the interval holds a good part
     * of the mass (the usual +-1 or +-2 std), else by inverse CDF.
     */
    public static Tensor truncatedNormal(Generator gen, double mean, double std, double a, double b, int... shape) {
        if (!(std > 0) || !(a < b)) throw new IllegalArgumentException("truncatedNormal needs std > 0 and a < b");
        double alpha = (a - mean) / std, beta = (b - mean) / std;
        double lo = normCdf(alpha), hi = normCdf(beta);
        float[] v = new float[Shapes.numel(shape)];
        if (hi - lo >= 0.25) {
            gen.fillChunked(v, (g, o, s, e) -> {
                for (int i = s; i < e; i++) {
                    double z;
                    do {
                        z = g.gaussianUnsynchronized();
                    } while (z < alpha || z > beta);
                    o[i] = (float) (mean + std * z);
                }
            });
        } else {
            gen.fillChunked(v, (g, o, s, e) -> {
                for (int i = s; i < e; i++) {
                    double u = 2 * (lo + (hi - lo) * g.doubleUnsynchronized()) - 1;
                    double x = mean + std * Math.sqrt(2) * org.apache.commons.numbers.gamma.InverseErf.value(u);
                    o[i] = (float) Math.min(Math.max(x, a), b);
                }
            });
        }
        return of(v, shape);
    }

    private static double normCdf(double x) {
        return (1 + org.apache.commons.numbers.gamma.Erf.value(x / Math.sqrt(2))) / 2;
    }

    /** Uniform integers in [low, high) as I64. */
    public static Tensor randint(Generator gen, long low, long high, int... shape) {
        if (high <= low) throw new IllegalArgumentException("randint needs low < high, got " + low + " >= " + high);
        long[] v = new long[Shapes.numel(shape)];
        long span = high - low;
        for (int i = 0; i < v.length; i++) v[i] = low + Math.floorMod(gen.nextLong(), span);
        return of(v, shape);
    }

    /** The identity matrix. */
    public static Tensor eye(int n) {
        float[] v = new float[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        return of(v, n, n);
    }

    /** Concatenation along {@code dim}. */
    public static Tensor cat(int dim, Tensor... tensors) {
        return Views.cat(dim, tensors);
    }

    public static Tensor cat(int dim, List<Tensor> tensors) {
        return Views.cat(dim, tensors.toArray(new Tensor[0]));
    }

    /** Stacks equally shaped tensors along a new dim. */
    public static Tensor stack(int dim, Tensor... tensors) {
        return Views.stack(dim, tensors);
    }

    public static Tensor stack(int dim, List<Tensor> tensors) {
        return Views.stack(dim, tensors.toArray(new Tensor[0]));
    }

    /** Elementwise {@code cond ? a : b} with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Indexing.where(cond, a, b);
    }

    /** One-hot encoding of integer ids as I64 of shape ids.shape + [numClasses]. */
    public static Tensor oneHot(Tensor ids, int numClasses) {
        return Indexing.oneHot(ids, numClasses);
    }

    // ================================================================= metadata

    public int[] shape() {
        return shape.clone();
    }

    /** Size of one dim (negative counts from the end). */
    public int size(int dim) {
        return shape[Shapes.normalizeDim(dim, shape.length)];
    }

    public int dim() {
        return shape.length;
    }

    public int numel() {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public int[] strides() {
        return strides.clone();
    }

    public int stride(int dim) {
        return strides[Shapes.normalizeDim(dim, shape.length)];
    }

    public int offset() {
        return offset;
    }

    public Storage storage() {
        return storage;
    }

    public DType dtype() {
        return storage.dtype();
    }

    public Device device() {
        return storage.device();
    }

    public Backend backend() {
        Backend b = backend;
        if (b == null) backend = b = Backends.of(storage.device());
        return b;
    }

    /** Row-major with no gaps (size-1 dims may have any stride). */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** A tensor with the same data and a new layout (no autograd link; used by view ops). */
    public Tensor viewOf(int[] newShape, int[] newStrides, int newOffset) {
        return new Tensor(storage, newShape, newStrides, newOffset);
    }

    // ================================================================= autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as needing gradients (like {@code requires_grad_}); returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value)
            throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor; use detach()");
        if (value && !dtype().isFloating())
            throw new IllegalArgumentException("only floating tensors can require grad, this one is " + dtype());
        requiresGrad = value;
        return this;
    }

    /** The accumulated gradient of a leaf, or null. */
    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape))
            throw new IllegalArgumentException("grad of shape " + Shapes.format(g.shape) + " for a tensor of shape " + Shapes.format(shape));
        grad = g;
    }

    /** The op that produced this tensor, or null for leaves. */
    public Node gradFn() {
        return gradFn;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /** For op implementations: links this freshly made output to the node that produced it. */
    public void attachGradFn(Node node) {
        if (gradFn != null) throw new IllegalStateException("tensor already has a grad_fn");
        gradFn = node;
        requiresGrad = true;
    }

    /** Adds {@code g} to this leaf's gradient (called by the engine); runs the grad hooks. */
    public void accumulateGrad(Tensor g) {
        Tensor gd = g.dtype() == dtype() ? g : g.to(dtype());
        // The first gradient may alias another tensor (a shared upstream gradient), so it is never
        // updated in place: accumulation creates a new tensor.
        grad = grad == null ? gd : grad.add(gd);
        if (gradHooks != null) for (Consumer<Tensor> hook : gradHooks) hook.accept(grad);
    }

    /** Calls {@code hook} with the leaf's gradient each time the engine accumulates into it. */
    public void registerGradHook(Consumer<Tensor> hook) {
        if (gradHooks == null) gradHooks = new ArrayList<>();
        gradHooks.add(hook);
    }

    /**
     * Calls {@code hook} with this leaf once per backward, when its gradient for that backward is
     * complete (every path of the graph has been accumulated into {@link #grad()}): PyTorch's
     * {@code register_post_accumulate_grad_hook}. A leaf that receives no gradient in a backward is
     * not called. Data-parallel training uses it to send gradients while backward goes on.
     * Returns a handle that removes the hook.
     */
    public dev.eve.core.autograd.HookHandle registerGradReadyHook(Consumer<Tensor> hook) {
        if (gradReadyHooks == null) gradReadyHooks = new ArrayList<>();
        gradReadyHooks.add(hook);
        return () -> {
            if (gradReadyHooks != null) gradReadyHooks.remove(hook);
        };
    }

    /** Whether {@link #registerGradReadyHook} hooks are registered (the engine tracks only those leaves closely). */
    public boolean hasGradReadyHooks() {
        return gradReadyHooks != null && !gradReadyHooks.isEmpty();
    }

    /** Runs the gradient-ready hooks (called by the engine, once per backward). */
    public void runGradReadyHooks() {
        if (gradReadyHooks == null) return;
        for (Consumer<Tensor> hook : List.copyOf(gradReadyHooks)) hook.accept(this);
    }

    /**
     * Makes this tensor a view of {@code src}'s data, keeping its identity, gradient flag and hooks
     * (PyTorch's {@code param.data = src}). Modules use it to move parameters between devices while
     * optimizers keep their references. Not allowed on tensors with history.
     */
    public void setData(Tensor src) {
        if (gradFn != null) throw new IllegalStateException("setData on a tensor with history");
        if (requiresGrad && !src.dtype().isFloating())
            throw new IllegalArgumentException("setData: a tensor that requires grad needs floating data, got " + src.dtype());
        storage = src.storage;
        shape = src.shape.clone();
        strides = src.strides.clone();
        offset = src.offset;
        backend = null;
        if (grad != null && !grad.device().equals(src.device())) grad = grad.to(src.device());
    }

    /** A view of the same data without history. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    /** Back-propagates from a single-element tensor. */
    public void backward() {
        Engine.backward(this, null, false);
    }

    /** Back-propagates {@code grad} (same shape as this). */
    public void backward(Tensor grad) {
        Engine.backward(this, grad, false);
    }

    /** Back-propagates, keeping the saved tensors so that backward can run again. */
    public void backward(Tensor grad, boolean retainGraph) {
        Engine.backward(this, grad, retainGraph);
    }

    // ================================================================= data access

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalStateException("item() needs one element, tensor has shape " + Shapes.format(shape));
        return backend().toFloatArray(this)[0];
    }

    /** The single value of a one-element tensor, as a long. */
    public long longItem() {
        if (numel() != 1) throw new IllegalStateException("longItem() needs one element, tensor has shape " + Shapes.format(shape));
        return backend().toLongArray(this)[0];
    }

    /** All elements in row-major order. */
    public float[] toFloatArray() {
        return backend().toFloatArray(this);
    }

    /** All elements in row-major order, as longs. */
    public long[] toLongArray() {
        return backend().toLongArray(this);
    }

    /** One element. */
    public float getFloat(int... index) {
        return element(index).item();
    }

    /** One element, as a long. */
    public long getLong(int... index) {
        return element(index).longItem();
    }

    private Tensor element(int[] index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException("index of rank " + index.length + " for a tensor of rank " + shape.length);
        int off = offset;
        for (int i = 0; i < index.length; i++) {
            int ix = index[i] < 0 ? index[i] + shape[i] : index[i];
            if (ix < 0 || ix >= shape[i])
                throw new IndexOutOfBoundsException("index " + index[i] + " out of range for dim " + i + " of size " + shape[i]);
            off += ix * strides[i];
        }
        return new Tensor(storage, new int[0], new int[0], off);
    }

    // ================================================================= in place (no history)

    /** Copies {@code src} (broadcast to this shape) into this tensor's elements; returns this. */
    public Tensor assign(Tensor src) {
        checkInPlace("assign");
        int[] target = Shapes.broadcast(src.shape, shape);
        if (!Arrays.equals(target, shape))
            throw new IllegalArgumentException("cannot assign a tensor of shape " + Shapes.format(src.shape) + " to one of shape " + Shapes.format(shape));
        Tensor s = src.device().equals(device()) ? src : src.to(device());
        backend().copy(s.expand(shape).detach(), this);
        return this;
    }

    /** Sets every element to {@code value}; returns this. */
    public Tensor fill(double value) {
        checkInPlace("fill");
        backend().fill(this, value);
        return this;
    }

    /** Sets every element to zero; returns this. */
    public Tensor zero() {
        return fill(0);
    }

    /** {@code this += alpha * other} in place (other broadcast); returns this. */
    public Tensor addInPlace(Tensor other, double alpha) {
        checkInPlace("addInPlace");
        if (!isContiguous()) throw new IllegalStateException("addInPlace needs a contiguous tensor");
        Shapes.broadcast(other.shape, shape);
        backend().addInPlace(this, other.expand(shape).detach(), (float) alpha);
        return this;
    }

    private void checkInPlace(String op) {
        if (requiresGrad && GradMode.isEnabled())
            throw new IllegalStateException(op + " on a tensor that requires grad while recording; use NoGrad.enter()");
    }

    // ================================================================= conversion

    /** This tensor converted to {@code dtype} (itself when already of that type). */
    public Tensor to(DType dtype) {
        return dtype == dtype() ? this : Casting.toDType(this, dtype);
    }

    /** This tensor on {@code device} (itself when already there). */
    public Tensor to(Device device) {
        return device.equals(device()) ? this : Casting.toDevice(this, device);
    }

    /** This tensor, or a contiguous copy of it. */
    public Tensor contiguous() {
        return isContiguous() ? this : Views.contiguous(this);
    }

    /** A contiguous copy that shares no storage (differentiable, like {@code clone}). */
    public Tensor copy() {
        return Views.contiguous(this);
    }

    // ================================================================= views

    public Tensor reshape(int... newShape) {
        return Views.reshape(this, newShape);
    }

    /** Like reshape, but fails instead of copying when the layout does not allow a view. */
    public Tensor view(int... newShape) {
        return Views.view(this, newShape);
    }

    public Tensor flatten() {
        return reshape(-1);
    }

    /** Merges dims {@code start..end} (inclusive) into one. */
    public Tensor flatten(int start, int end) {
        int s = Shapes.normalizeDim(start, dim()), e = Shapes.normalizeDim(end, dim());
        if (s > e) throw new IllegalArgumentException("flatten: start dim " + start + " after end dim " + end);
        int[] ns = new int[dim() - (e - s)];
        int j = 0;
        for (int i = 0; i < s; i++) ns[j++] = shape[i];
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= shape[i];
        ns[j++] = merged;
        for (int i = e + 1; i < dim(); i++) ns[j++] = shape[i];
        return reshape(ns);
    }

    /** Splits {@code dim} into {@code sizes} (one entry may be -1). */
    public Tensor unflatten(int dim, int... sizes) {
        int d = Shapes.normalizeDim(dim, dim());
        int[] inner = Shapes.inferShape(sizes, shape[d]);
        int[] ns = new int[dim() - 1 + inner.length];
        System.arraycopy(shape, 0, ns, 0, d);
        System.arraycopy(inner, 0, ns, d, inner.length);
        System.arraycopy(shape, d + 1, ns, d + inner.length, dim() - d - 1);
        return reshape(ns);
    }

    public Tensor permute(int... dims) {
        return Views.permute(this, dims);
    }

    public Tensor transpose(int dim0, int dim1) {
        int r = dim();
        int a = Shapes.normalizeDim(dim0, r), b = Shapes.normalizeDim(dim1, r);
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Transpose of a matrix (swaps the last two dims). */
    public Tensor t() {
        if (dim() < 2) return this;
        return transpose(-2, -1);
    }

    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, Shapes.normalizeDim(dim, dim() + 1));
    }

    /** Removes all size-1 dims. */
    public Tensor squeeze() {
        int n = 0;
        for (int d : shape) if (d != 1) n++;
        int[] ns = new int[n];
        int j = 0;
        for (int d : shape) if (d != 1) ns[j++] = d;
        return reshape(ns);
    }

    /** Removes {@code dim} if it has size 1. */
    public Tensor squeeze(int dim) {
        int d = Shapes.normalizeDim(dim, dim());
        if (shape[d] != 1) return this;
        return Views.squeeze(this, d);
    }

    /** Broadcasts to {@code newShape} (-1 keeps a dim) without copying. */
    public Tensor expand(int... newShape) {
        return Views.expand(this, newShape);
    }

    public Tensor expandAs(Tensor other) {
        return expand(other.shape);
    }

    /** Elements {@code start..end-1} of {@code dim} (Python-style clamping, negatives from the end). */
    public Tensor slice(int dim, int start, int end) {
        return slice(dim, start, end, 1);
    }

    public Tensor slice(int dim, int start, int end, int step) {
        return Views.slice(this, Shapes.normalizeDim(dim, dim()), start, end, step);
    }

    /** {@code length} elements of {@code dim} from {@code start}. */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shapes.normalizeDim(dim, dim());
        if (start < 0 || length < 0 || start + length > shape[d])
            throw new IndexOutOfBoundsException("narrow(" + dim + ", " + start + ", " + length + ") out of range for size " + shape[d]);
        return Views.slice(this, d, start, start + length, 1);
    }

    /** Index {@code index} of {@code dim}, removing the dim. */
    public Tensor select(int dim, int index) {
        int d = Shapes.normalizeDim(dim, dim());
        int i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d])
            throw new IndexOutOfBoundsException("index " + index + " out of range for dim " + dim + " of size " + shape[d]);
        return Views.select(this, d, i);
    }

    /** {@code select(0, index)}. */
    public Tensor get(int index) {
        return select(0, index);
    }

    /** Splits {@code dim} into pieces of {@code size} (the last may be smaller). */
    public List<Tensor> split(int size, int dim) {
        int d = Shapes.normalizeDim(dim, dim());
        if (size <= 0) throw new IllegalArgumentException("split size must be positive, got " + size);
        List<Tensor> parts = new ArrayList<>();
        for (int s = 0; s < Math.max(shape[d], 1); s += size) parts.add(slice(d, s, Math.min(s + size, shape[d])));
        return parts;
    }

    /** Splits {@code dim} into pieces of the given sizes. */
    public List<Tensor> split(int[] sizes, int dim) {
        int d = Shapes.normalizeDim(dim, dim());
        int total = 0;
        for (int s : sizes) total += s;
        if (total != shape[d])
            throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " do not sum to dim size " + shape[d]);
        List<Tensor> parts = new ArrayList<>();
        int s = 0;
        for (int size : sizes) {
            parts.add(slice(d, s, s + size));
            s += size;
        }
        return parts;
    }

    /** Splits {@code dim} into {@code chunks} nearly equal pieces, as torch.chunk. */
    public List<Tensor> chunk(int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk count must be positive, got " + chunks);
        int n = size(dim);
        return split(Math.max(1, (n + chunks - 1) / chunks), dim);
    }

    /** The slices along {@code dim}, each without that dim. */
    public List<Tensor> unbind(int dim) {
        int d = Shapes.normalizeDim(dim, dim());
        List<Tensor> parts = new ArrayList<>(shape[d]);
        for (int i = 0; i < shape[d]; i++) parts.add(select(d, i));
        return parts;
    }

    // ================================================================= arithmetic

    public Tensor add(Tensor other) {
        return Arithmetic.binary(BinaryOp.ADD, this, other);
    }

    public Tensor add(double s) {
        return Arithmetic.scalar(BinaryOp.ADD, this, s, false);
    }

    /** {@code this + alpha * other}. */
    public Tensor add(Tensor other, double alpha) {
        return alpha == 1 ? add(other) : add(other.mul(alpha));
    }

    public Tensor sub(Tensor other) {
        return Arithmetic.binary(BinaryOp.SUB, this, other);
    }

    public Tensor sub(double s) {
        return Arithmetic.scalar(BinaryOp.SUB, this, s, false);
    }

    /** {@code s - this}. */
    public Tensor rsub(double s) {
        return Arithmetic.scalar(BinaryOp.SUB, this, s, true);
    }

    public Tensor mul(Tensor other) {
        return Arithmetic.binary(BinaryOp.MUL, this, other);
    }

    public Tensor mul(double s) {
        return Arithmetic.scalar(BinaryOp.MUL, this, s, false);
    }

    public Tensor div(Tensor other) {
        return Arithmetic.binary(BinaryOp.DIV, this, other);
    }

    public Tensor div(double s) {
        return Arithmetic.scalar(BinaryOp.DIV, this, s, false);
    }

    /** {@code s / this}. */
    public Tensor rdiv(double s) {
        return Arithmetic.scalar(BinaryOp.DIV, this, s, true);
    }

    public Tensor pow(double exponent) {
        return Arithmetic.scalar(BinaryOp.POW, this, exponent, false);
    }

    public Tensor pow(Tensor exponent) {
        return Arithmetic.binary(BinaryOp.POW, this, exponent);
    }

    /** Elementwise maximum with broadcasting. */
    public Tensor maximum(Tensor other) {
        return Arithmetic.binary(BinaryOp.MAX, this, other);
    }

    /** Elementwise minimum with broadcasting. */
    public Tensor minimum(Tensor other) {
        return Arithmetic.binary(BinaryOp.MIN, this, other);
    }

    /** Python-style remainder (sign of the divisor). */
    public Tensor remainder(double s) {
        return Arithmetic.scalar(BinaryOp.REMAINDER, this, s, false);
    }

    public Tensor clamp(double min, double max) {
        return clampMin(min).clampMax(max);
    }

    public Tensor clampMin(double min) {
        return Arithmetic.scalar(BinaryOp.MAX, this, min, false);
    }

    public Tensor clampMax(double max) {
        return Arithmetic.scalar(BinaryOp.MIN, this, max, false);
    }

    public Tensor neg() {
        return Pointwise.apply(UnaryOp.NEG, this);
    }

    public Tensor abs() {
        return Pointwise.apply(UnaryOp.ABS, this);
    }

    public Tensor sign() {
        return Pointwise.apply(UnaryOp.SIGN, this);
    }

    public Tensor square() {
        return Pointwise.apply(UnaryOp.SQUARE, this);
    }

    public Tensor reciprocal() {
        return Pointwise.apply(UnaryOp.RECIPROCAL, this);
    }

    public Tensor exp() {
        return Pointwise.apply(UnaryOp.EXP, this);
    }

    public Tensor log() {
        return Pointwise.apply(UnaryOp.LOG, this);
    }

    public Tensor sqrt() {
        return Pointwise.apply(UnaryOp.SQRT, this);
    }

    public Tensor rsqrt() {
        return Pointwise.apply(UnaryOp.RSQRT, this);
    }

    public Tensor tanh() {
        return Pointwise.apply(UnaryOp.TANH, this);
    }

    public Tensor sigmoid() {
        return Pointwise.apply(UnaryOp.SIGMOID, this);
    }

    public Tensor relu() {
        return Pointwise.apply(UnaryOp.RELU, this);
    }

    /** GELU with the exact erf form (PyTorch's default). */
    public Tensor gelu() {
        return Pointwise.apply(UnaryOp.GELU_ERF, this);
    }

    /** GELU with the tanh approximation. */
    public Tensor geluTanh() {
        return Pointwise.apply(UnaryOp.GELU_TANH, this);
    }

    /** {@code x * sigmoid(1.702 x)}. */
    public Tensor quickGelu() {
        return Pointwise.apply(UnaryOp.QUICK_GELU, this);
    }

    public Tensor erf() {
        return Pointwise.apply(UnaryOp.ERF, this);
    }

    public Tensor sin() {
        return Pointwise.apply(UnaryOp.SIN, this);
    }

    public Tensor cos() {
        return Pointwise.apply(UnaryOp.COS, this);
    }

    public Tensor floor() {
        return Pointwise.apply(UnaryOp.FLOOR, this);
    }

    public Tensor ceil() {
        return Pointwise.apply(UnaryOp.CEIL, this);
    }

    public Tensor round() {
        return Pointwise.apply(UnaryOp.ROUND, this);
    }

    // ================================================================= comparisons and logic (BOOL results)

    public Tensor eq(Tensor o) {
        return Arithmetic.binary(BinaryOp.EQ, this, o);
    }

    public Tensor eq(double s) {
        return Arithmetic.scalar(BinaryOp.EQ, this, s, false);
    }

    public Tensor ne(Tensor o) {
        return Arithmetic.binary(BinaryOp.NE, this, o);
    }

    public Tensor ne(double s) {
        return Arithmetic.scalar(BinaryOp.NE, this, s, false);
    }

    public Tensor lt(Tensor o) {
        return Arithmetic.binary(BinaryOp.LT, this, o);
    }

    public Tensor lt(double s) {
        return Arithmetic.scalar(BinaryOp.LT, this, s, false);
    }

    public Tensor le(Tensor o) {
        return Arithmetic.binary(BinaryOp.LE, this, o);
    }

    public Tensor le(double s) {
        return Arithmetic.scalar(BinaryOp.LE, this, s, false);
    }

    public Tensor gt(Tensor o) {
        return Arithmetic.binary(BinaryOp.GT, this, o);
    }

    public Tensor gt(double s) {
        return Arithmetic.scalar(BinaryOp.GT, this, s, false);
    }

    public Tensor ge(Tensor o) {
        return Arithmetic.binary(BinaryOp.GE, this, o);
    }

    public Tensor ge(double s) {
        return Arithmetic.scalar(BinaryOp.GE, this, s, false);
    }

    public Tensor logicalNot() {
        return Pointwise.apply(UnaryOp.NOT, this);
    }

    public Tensor logicalAnd(Tensor o) {
        return Arithmetic.binary(BinaryOp.AND, this, o);
    }

    public Tensor logicalOr(Tensor o) {
        return Arithmetic.binary(BinaryOp.OR, this, o);
    }

    public Tensor isFinite() {
        return Pointwise.apply(UnaryOp.IS_FINITE, this);
    }

    /** True when every element is finite (no NaN or infinity). */
    public boolean allFinite() {
        return isFinite().all().longItem() != 0;
    }

    /** True when both have the same shape and all elements are within {@code atol + rtol * |other|}. */
    public boolean allClose(Tensor other, double rtol, double atol) {
        if (!Arrays.equals(shape, other.shape)) return false;
        float[] a = toFloatArray(), b = other.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            if (Float.isNaN(a[i]) != Float.isNaN(b[i])) return false;
            if (!Float.isNaN(a[i]) && Math.abs(a[i] - b[i]) > atol + rtol * Math.abs(b[i])) return false;
        }
        return true;
    }

    // ================================================================= reductions

    /** Sum of all elements (0-d). */
    public Tensor sum() {
        return Reductions.reduce(ReduceOp.SUM, this, null, false);
    }

    public Tensor sum(int dim) {
        return sum(new int[] {dim}, false);
    }

    public Tensor sum(int dim, boolean keepdim) {
        return sum(new int[] {dim}, keepdim);
    }

    public Tensor sum(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.SUM, this, dims, keepdim);
    }

    public Tensor mean() {
        return Reductions.reduce(ReduceOp.MEAN, this, null, false);
    }

    public Tensor mean(int dim) {
        return mean(new int[] {dim}, false);
    }

    public Tensor mean(int dim, boolean keepdim) {
        return mean(new int[] {dim}, keepdim);
    }

    public Tensor mean(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.MEAN, this, dims, keepdim);
    }

    /** Largest element (0-d). */
    public Tensor max() {
        return Reductions.reduce(ReduceOp.MAX, this, null, false);
    }

    /** Largest values along {@code dim} (gradient flows to the first maximum, as in torch.max(dim)). */
    public Tensor max(int dim, boolean keepdim) {
        return Reductions.reduce(ReduceOp.MAX, this, new int[] {dim}, keepdim);
    }

    public Tensor min() {
        return Reductions.reduce(ReduceOp.MIN, this, null, false);
    }

    public Tensor min(int dim, boolean keepdim) {
        return Reductions.reduce(ReduceOp.MIN, this, new int[] {dim}, keepdim);
    }

    public Tensor prod(int dim, boolean keepdim) {
        return Reductions.reduce(ReduceOp.PROD, this, new int[] {dim}, keepdim);
    }

    /** True (BOOL 0-d) when any element is non-zero. */
    public Tensor any() {
        return Reductions.reduce(ReduceOp.ANY, this, null, false);
    }

    /** True (BOOL 0-d) when all elements are non-zero. */
    public Tensor all() {
        return Reductions.reduce(ReduceOp.ALL, this, null, false);
    }

    public Tensor any(int dim, boolean keepdim) {
        return Reductions.reduce(ReduceOp.ANY, this, new int[] {dim}, keepdim);
    }

    public Tensor all(int dim, boolean keepdim) {
        return Reductions.reduce(ReduceOp.ALL, this, new int[] {dim}, keepdim);
    }

    /** Index of the largest element of the flattened tensor (I64 0-d). */
    public Tensor argmax() {
        return Reductions.argReduce(true, flatten(), 0, false);
    }

    /** Index of the largest element along {@code dim} (I64; first index wins ties). */
    public Tensor argmax(int dim, boolean keepdim) {
        return Reductions.argReduce(true, this, dim, keepdim);
    }

    public Tensor argmin(int dim, boolean keepdim) {
        return Reductions.argReduce(false, this, dim, keepdim);
    }

    /** Variance over {@code dims} with Bessel's correction when {@code unbiased}. */
    public Tensor var(int[] dims, boolean unbiased, boolean keepdim) {
        return Reductions.var(this, dims, unbiased ? 1 : 0, keepdim);
    }

    public Tensor var(int dim, boolean unbiased, boolean keepdim) {
        return var(new int[] {dim}, unbiased, keepdim);
    }

    /** Unbiased variance of all elements. */
    public Tensor var() {
        return Reductions.var(this, null, 1, false);
    }

    public Tensor std(int dim, boolean unbiased, boolean keepdim) {
        return var(dim, unbiased, keepdim).sqrt();
    }

    /** {@code log(sum(exp(x)))} along {@code dim}, computed stably. */
    public Tensor logsumexp(int dim, boolean keepdim) {
        return Reductions.logsumexp(this, dim, keepdim);
    }

    /** The {@code k} largest (or smallest) entries along {@code dim}, sorted, with their indices. */
    public TopK topk(int k, int dim, boolean largest) {
        Tensor[] r = Indexing.topk(this, k, dim, largest);
        return new TopK(r[0], r[1]);
    }

    /** Values and indices of {@link #topk}. */
    public record TopK(Tensor values, Tensor indices) {}

    /** Inclusive prefix sum along {@code dim}. */
    public Tensor cumsum(int dim) {
        return Indexing.cumsum(this, dim);
    }

    // ================================================================= linear algebra and fused ops

    /** Matrix product with NumPy semantics (1-d operands, batch broadcasting). */
    public Tensor matmul(Tensor other) {
        return Linalg.matmul(this, other);
    }

    public Tensor softmax(int dim) {
        return Normalization.softmax(this, dim, false);
    }

    public Tensor logSoftmax(int dim) {
        return Normalization.softmax(this, dim, true);
    }

    // ================================================================= indexing

    /** {@code torch.gather(this, dim, index)}. */
    public Tensor gather(int dim, Tensor index) {
        return Indexing.gather(this, dim, index);
    }

    /** Out-of-place {@code scatter(dim, index, src)}: a copy of this with src written at index. */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        return Indexing.scatter(this, dim, index, src, false);
    }

    /** Out-of-place {@code scatter_add(dim, index, src)}. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return Indexing.scatter(this, dim, index, src, true);
    }

    /** Rows (entries along {@code dim}) picked by a 1-d integer index. */
    public Tensor indexSelect(int dim, Tensor index) {
        return Indexing.indexSelect(this, dim, index);
    }

    /** Out-of-place {@code index_add(dim, index, src)}. */
    public Tensor indexAdd(int dim, Tensor index, Tensor src) {
        return Indexing.indexAdd(this, dim, index, src);
    }

    /** {@code value} where {@code mask} is non-zero (mask broadcast to this shape). */
    public Tensor maskedFill(Tensor mask, double value) {
        return Indexing.maskedFill(this, mask, value);
    }

    // ================================================================= printing

    @Override
    public String toString() {
        return TensorFormatter.format(this);
    }
}
