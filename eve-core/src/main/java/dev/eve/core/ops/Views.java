package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/** Ops that change how a storage is viewed (and the copies some of them need). */
public final class Views {

    private Views() {}

    static void checkSameDevice(String op, Tensor... ts) {
        for (Tensor t : ts)
            if (t != null && !t.device().equals(ts[0].device()))
                throw new IllegalArgumentException(op + ": tensors on different devices (" + ts[0].device() + " and " + t.device() + ")");
    }

    /** A stride-0 broadcast view of {@code t} as {@code shape}, without history (for kernels). */
    public static Tensor broadcastView(Tensor t, int[] shape) {
        int[] ts = t.shape();
        if (Arrays.equals(ts, shape)) return t.detach();
        int[] st = t.strides();
        int lead = shape.length - ts.length;
        if (lead < 0) throw new IllegalArgumentException("cannot broadcast " + Shapes.format(ts) + " to " + Shapes.format(shape));
        int[] strides = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) {
                strides[i] = 0;
            } else if (ts[i - lead] == shape[i]) {
                strides[i] = st[i - lead];
            } else if (ts[i - lead] == 1) {
                strides[i] = 0;
            } else {
                throw new IllegalArgumentException("cannot broadcast " + Shapes.format(ts) + " to " + Shapes.format(shape));
            }
        }
        return t.viewOf(shape, strides, t.offset());
    }

    // ----------------------------------------------------------------- reshape / view

    public static Tensor reshape(Tensor x, int[] requested) {
        int[] shape = Shapes.inferShape(requested, x.numel());
        if (Arrays.equals(shape, x.shape())) return x;
        int[] strides = Shapes.viewStrides(x.shape(), x.strides(), shape);
        Tensor src = x;
        if (strides == null) {
            src = contiguous(x);
            strides = Shapes.contiguousStrides(shape);
        }
        Tensor y = src.detach().viewOf(shape, strides, src.offset());
        return Node.needsGrad(src) ? Node.record(y, new ReshapeBackward(src)) : y;
    }

    public static Tensor view(Tensor x, int[] requested) {
        int[] shape = Shapes.inferShape(requested, x.numel());
        int[] strides = Shapes.viewStrides(x.shape(), x.strides(), shape);
        if (strides == null)
            throw new IllegalArgumentException("view " + Shapes.format(requested) + " is incompatible with the layout of a tensor of shape "
                    + Shapes.format(x.shape()) + " and strides " + Arrays.toString(x.strides()) + "; use reshape");
        Tensor y = x.viewOf(shape, strides, x.offset());
        return Node.needsGrad(x) ? Node.record(y, new ReshapeBackward(x)) : y;
    }

    private static final class ReshapeBackward extends Node {
        private final int[] shape;

        ReshapeBackward(Tensor x) {
            super(x);
            shape = x.shape();
        }

        @Override
        public String name() {
            return "reshape_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.reshape(shape)};
        }
    }

    // ----------------------------------------------------------------- permute

    public static Tensor permute(Tensor x, int[] dims) {
        int r = x.dim();
        if (dims.length != r)
            throw new IllegalArgumentException("permute " + Arrays.toString(dims) + " needs " + r + " dims");
        int[] perm = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int d = Shapes.normalizeDim(dims[i], r);
            if (seen[d]) throw new IllegalArgumentException("permute " + Arrays.toString(dims) + " repeats dim " + dims[i]);
            seen[d] = true;
            perm[i] = d;
        }
        int[] s = x.shape(), st = x.strides();
        int[] ns = new int[r], nst = new int[r];
        for (int i = 0; i < r; i++) {
            ns[i] = s[perm[i]];
            nst[i] = st[perm[i]];
        }
        Tensor y = x.viewOf(ns, nst, x.offset());
        return Node.needsGrad(x) ? Node.record(y, new PermuteBackward(x, perm)) : y;
    }

    private static final class PermuteBackward extends Node {
        private final int[] inverse;

        PermuteBackward(Tensor x, int[] perm) {
            super(x);
            inverse = new int[perm.length];
            for (int i = 0; i < perm.length; i++) inverse[perm[i]] = i;
        }

        @Override
        public String name() {
            return "permute_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.permute(inverse)};
        }
    }

    // ----------------------------------------------------------------- expand

    public static Tensor expand(Tensor x, int[] requested) {
        int[] xs = x.shape();
        if (requested.length < xs.length)
            throw new IllegalArgumentException("expand to " + Shapes.format(requested) + " has fewer dims than " + Shapes.format(xs));
        int[] shape = requested.clone();
        int lead = shape.length - xs.length;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (i < lead) throw new IllegalArgumentException("expand: -1 is not allowed for a new leading dim in " + Shapes.format(requested));
                shape[i] = xs[i - lead];
            } else if (i >= lead && xs[i - lead] != 1 && xs[i - lead] != shape[i]) {
                throw new IllegalArgumentException("cannot expand shape " + Shapes.format(xs) + " to " + Shapes.format(requested));
            }
        }
        if (Arrays.equals(shape, xs)) return x;
        Tensor y = broadcastView(x, shape);
        return Node.needsGrad(x) ? Node.record(y, new ExpandBackward(x)) : y;
    }

    private static final class ExpandBackward extends Node {
        private final int[] shape;

        ExpandBackward(Tensor x) {
            super(x);
            shape = x.shape();
        }

        @Override
        public String name() {
            return "expand_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {Arithmetic.sumToShape(g, shape)};
        }
    }

    // ----------------------------------------------------------------- squeeze / unsqueeze

    public static Tensor unsqueeze(Tensor x, int d) {
        int[] s = x.shape(), st = x.strides();
        int[] ns = new int[s.length + 1], nst = new int[s.length + 1];
        for (int i = 0, j = 0; i < ns.length; i++) {
            if (i == d) {
                ns[i] = 1;
                nst[i] = d < s.length ? st[d] * s[d] : 1;
            } else {
                ns[i] = s[j];
                nst[i] = st[j];
                j++;
            }
        }
        Tensor y = x.viewOf(ns, nst, x.offset());
        return Node.needsGrad(x) ? Node.record(y, new ReshapeBackward(x)) : y;
    }

    public static Tensor squeeze(Tensor x, int d) {
        int[] s = x.shape(), st = x.strides();
        int[] ns = new int[s.length - 1], nst = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == d) continue;
            ns[j] = s[i];
            nst[j] = st[i];
            j++;
        }
        Tensor y = x.viewOf(ns, nst, x.offset());
        return Node.needsGrad(x) ? Node.record(y, new ReshapeBackward(x)) : y;
    }

    // ----------------------------------------------------------------- slice / select

    public static Tensor slice(Tensor x, int d, int start, int end, int step) {
        if (step <= 0) throw new IllegalArgumentException("slice step must be positive, got " + step);
        int n = x.shape()[d];
        int s = clampIndex(start, n), e = clampIndex(end, n);
        int len = e > s ? (e - s + step - 1) / step : 0;
        if (s == 0 && len == n && step == 1) return x;
        int[] ns = x.shape(), nst = x.strides();
        int off = x.offset() + (len > 0 ? s * nst[d] : 0);
        ns[d] = len;
        nst[d] = nst[d] * step;
        Tensor y = x.viewOf(ns, nst, off);
        return Node.needsGrad(x) ? Node.record(y, new SliceBackward(x, d, s, e, step)) : y;
    }

    private static int clampIndex(int i, int n) {
        int v = i < 0 ? i + n : i;
        return Math.max(0, Math.min(v, n));
    }

    private static final class SliceBackward extends Node {
        private final int[] shape;
        private final int dim, start, end, step;

        SliceBackward(Tensor x, int dim, int start, int end, int step) {
            super(x);
            this.shape = x.shape();
            this.dim = dim;
            this.start = start;
            this.end = end;
            this.step = step;
        }

        @Override
        public String name() {
            return "slice_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gx = g.newZeros(shape);
            gx.slice(dim, start, end, step).assign(g);
            return new Tensor[] {gx};
        }
    }

    public static Tensor select(Tensor x, int d, int index) {
        int[] s = x.shape(), st = x.strides();
        int[] ns = new int[s.length - 1], nst = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == d) continue;
            ns[j] = s[i];
            nst[j] = st[i];
            j++;
        }
        Tensor y = x.viewOf(ns, nst, x.offset() + index * st[d]);
        return Node.needsGrad(x) ? Node.record(y, new SelectBackward(x, d, index)) : y;
    }

    private static final class SelectBackward extends Node {
        private final int[] shape;
        private final int dim, index;

        SelectBackward(Tensor x, int dim, int index) {
            super(x);
            this.shape = x.shape();
            this.dim = dim;
            this.index = index;
        }

        @Override
        public String name() {
            return "select_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gx = g.newZeros(shape);
            gx.select(dim, index).assign(g);
            return new Tensor[] {gx};
        }
    }

    // ----------------------------------------------------------------- copies

    /** A contiguous copy (differentiable). */
    public static Tensor contiguous(Tensor x) {
        Tensor y = Tensor.zeros(x.device(), x.dtype(), x.shape());
        x.backend().copy(x.detach(), y);
        return Node.needsGrad(x) ? Node.record(y, new IdentityBackward(x, "clone_backward")) : y;
    }

    static final class IdentityBackward extends Node {
        private final String name;

        IdentityBackward(Tensor x, String name) {
            super(x);
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g};
        }
    }

    public static Tensor cat(int dim, Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("cat of no tensors");
        checkSameDevice("cat", tensors);
        Tensor first = tensors[0];
        int rank = first.dim();
        if (rank == 0) throw new IllegalArgumentException("cat: zero-dimensional tensors cannot be concatenated");
        int d = Shapes.normalizeDim(dim, rank);
        int[] shape = first.shape();
        DType dtype = first.dtype();
        int total = 0;
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            int[] ts = t.shape();
            if (ts.length != rank)
                throw new IllegalArgumentException("cat: tensor " + i + " has rank " + ts.length + ", expected " + rank);
            for (int k = 0; k < rank; k++)
                if (k != d && ts[k] != shape[k])
                    throw new IllegalArgumentException("cat along dim " + dim + ": tensor " + i + " has shape " + Shapes.format(ts)
                            + ", expected " + Shapes.format(shape) + " outside that dim");
            total += ts[d];
            dtype = DType.promote(dtype, t.dtype());
        }
        shape[d] = total;
        Tensor y = Tensor.zeros(first.device(), dtype, shape);
        int pos = 0;
        int[] sizes = new int[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            sizes[i] = t.shape()[d];
            if (sizes[i] > 0) y.backend().copy(t.detach(), y.slice(d, pos, pos + sizes[i]));
            pos += sizes[i];
        }
        return Node.needsGrad(tensors) ? Node.record(y, new CatBackward(tensors, d, sizes)) : y;
    }

    private static final class CatBackward extends Node {
        private final int dim;
        private final int[] sizes;

        CatBackward(Tensor[] inputs, int dim, int[] sizes) {
            super(inputs);
            this.dim = dim;
            this.sizes = sizes;
        }

        @Override
        public String name() {
            return "cat_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] grads = new Tensor[sizes.length];
            int pos = 0;
            for (int i = 0; i < sizes.length; i++) {
                grads[i] = g.slice(dim, pos, pos + sizes[i]);
                pos += sizes[i];
            }
            return grads;
        }
    }

    public static Tensor stack(int dim, Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("stack of no tensors");
        int[] shape = tensors[0].shape();
        int d = Shapes.normalizeDim(dim, shape.length + 1);
        Tensor[] expanded = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            if (!Arrays.equals(tensors[i].shape(), shape))
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shapes.format(tensors[i].shape())
                        + ", expected " + Shapes.format(shape));
            expanded[i] = tensors[i].unsqueeze(d);
        }
        return cat(d, expanded);
    }
}
