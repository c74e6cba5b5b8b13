package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/** Selection and scattering: where, masked_fill, gather/scatter, index_select/index_add, embedding, topk, cumsum. */
public final class Indexing {

    private Indexing() {}

    private static void checkIndex(String op, Tensor index) {
        if (!index.dtype().isInteger())
            throw new IllegalArgumentException(op + ": index must be I64 or I32, got " + index.dtype());
    }

    /** Throws unless every id lies in [0, bound). */
    static void checkRange(String op, Tensor index, int bound) {
        if (index.numel() == 0) return;
        long min = index.min().longItem(), max = index.max().longItem();
        if (min < 0 || max >= bound)
            throw new IndexOutOfBoundsException(op + ": index " + (min < 0 ? min : max) + " is out of range for a dim of size " + bound);
    }

    // ----------------------------------------------------------------- where / masked_fill

    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Views.checkSameDevice("where", cond, a, b);
        int[] shape = Shapes.broadcast(Shapes.broadcast(cond.shape(), a.shape()), b.shape());
        DType dtype = DType.promote(a.dtype(), b.dtype());
        Tensor y = a.backend().where(Views.broadcastView(cond, shape),
                Views.broadcastView(a.to(dtype), shape), Views.broadcastView(b.to(dtype), shape));
        return Node.needsGrad(a, b) ? Node.record(y, new WhereBackward(cond, a, b)) : y;
    }

    private static final class WhereBackward extends Node {
        private final int[] aShape, bShape;
        private Tensor cond;

        WhereBackward(Tensor cond, Tensor a, Tensor b) {
            super(a, b);
            this.cond = cond.detach();
            this.aShape = a.shape();
            this.bShape = b.shape();
        }

        @Override
        public String name() {
            return "where_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor zero = g.newScalar(0);
            return new Tensor[] {
                Arithmetic.sumToShape(where(cond, g, zero), aShape),
                Arithmetic.sumToShape(where(cond, zero, g), bShape)
            };
        }

        @Override
        protected void releaseSaved() {
            cond = null;
        }
    }

    public static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        Shapes.broadcast(mask.shape(), x.shape());
        int[] target = Shapes.broadcast(mask.shape(), x.shape());
        if (!Arrays.equals(target, x.shape()))
            throw new IllegalArgumentException("masked_fill: mask of shape " + Shapes.format(mask.shape())
                    + " does not broadcast to " + Shapes.format(x.shape()));
        return where(mask, x.newScalar(value), x);
    }

    /** One-hot I64 encoding: shape {@code ids.shape + [numClasses]}. */
    public static Tensor oneHot(Tensor ids, int numClasses) {
        checkIndex("one_hot", ids);
        checkRange("one_hot", ids, numClasses);
        int[] shape = Arrays.copyOf(ids.shape(), ids.dim() + 1);
        shape[ids.dim()] = numClasses;
        Tensor out = Tensor.zeros(ids.device(), DType.I64, shape);
        Tensor idx = ids.unsqueeze(-1);
        out.backend().scatter(out, ids.dim(), idx.detach(), out.newScalar(1).expand(idx.shape()).detach(), false);
        return out;
    }

    // ----------------------------------------------------------------- gather / scatter

    public static Tensor gather(Tensor x, int dim, Tensor index) {
        checkIndex("gather", index);
        int d = Shapes.normalizeDim(dim, x.dim());
        checkGatherShapes("gather", x, d, index);
        checkRange("gather", index, x.shape()[d]);
        Tensor y = x.backend().gather(x.detach(), d, index.detach());
        return Node.needsGrad(x) ? Node.record(y, new GatherBackward(x, d, index)) : y;
    }

    private static void checkGatherShapes(String op, Tensor x, int d, Tensor index) {
        if (index.dim() != x.dim())
            throw new IllegalArgumentException(op + ": index of rank " + index.dim() + " for a tensor of rank " + x.dim());
        for (int i = 0; i < x.dim(); i++)
            if (i != d && index.shape()[i] > x.shape()[i])
                throw new IllegalArgumentException(op + ": index shape " + Shapes.format(index.shape())
                        + " exceeds tensor shape " + Shapes.format(x.shape()) + " at dim " + i);
    }

    private static final class GatherBackward extends Node {
        private final int[] shape;
        private final int dim;
        private Tensor index;

        GatherBackward(Tensor x, int dim, Tensor index) {
            super(x);
            this.shape = x.shape();
            this.dim = dim;
            this.index = index.detach();
        }

        @Override
        public String name() {
            return "gather_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gx = g.newZeros(shape);
            gx.backend().scatter(gx, dim, index, g.contiguous(), true);
            return new Tensor[] {gx};
        }

        @Override
        protected void releaseSaved() {
            index = null;
        }
    }

    public static Tensor scatter(Tensor x, int dim, Tensor index, Tensor src, boolean accumulate) {
        checkIndex("scatter", index);
        int d = Shapes.normalizeDim(dim, x.dim());
        checkGatherShapes("scatter", x, d, index);
        for (int i = 0; i < index.dim(); i++)
            if (index.shape()[i] > src.shape()[i])
                throw new IllegalArgumentException("scatter: index shape " + Shapes.format(index.shape())
                        + " exceeds src shape " + Shapes.format(src.shape()));
        checkRange("scatter", index, x.shape()[d]);
        Tensor out = Views.contiguous(x.detach());
        out.backend().scatter(out, d, index.detach(), src.detach().to(x.dtype()), accumulate);
        return Node.needsGrad(x, src) ? Node.record(out, new ScatterBackward(x, src, d, index, accumulate)) : out;
    }

    private static final class ScatterBackward extends Node {
        private final int dim;
        private final boolean accumulate;
        private final int[] srcShape;
        private Tensor index;

        ScatterBackward(Tensor x, Tensor src, int dim, Tensor index, boolean accumulate) {
            super(x, src);
            this.dim = dim;
            this.accumulate = accumulate;
            this.srcShape = src.shape();
            this.index = index.detach();
        }

        @Override
        public String name() {
            return accumulate ? "scatter_add_backward" : "scatter_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gx = g;
            if (!accumulate) {
                gx = Views.contiguous(g);
                gx.backend().scatter(gx, dim, index, g.newScalar(0).expand(index.shape()).detach(), false);
            }
            Tensor gs = g.backend().gather(g, dim, index);
            if (!Arrays.equals(gs.shape(), srcShape)) {
                Tensor full = g.newZeros(srcShape);
                Tensor region = full;
                for (int i = 0; i < srcShape.length; i++) region = region.slice(i, 0, gs.shape()[i]);
                region.assign(gs);
                gs = full;
            }
            return new Tensor[] {gx, gs};
        }

        @Override
        protected void releaseSaved() {
            index = null;
        }
    }

    // ----------------------------------------------------------------- index_select / index_add / embedding

    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex("index_select", index);
        if (index.dim() > 1) throw new IllegalArgumentException("index_select: index must be 1-d, got shape " + Shapes.format(index.shape()));
        int d = Shapes.normalizeDim(dim, x.dim());
        checkRange("index_select", index, x.shape()[d]);
        Tensor idx = index.reshape(-1);
        Tensor y = x.backend().indexSelect(x.detach(), d, idx.detach());
        return Node.needsGrad(x) ? Node.record(y, new IndexSelectBackward(x, d, idx, -1)) : y;
    }

    private static final class IndexSelectBackward extends Node {
        private final int[] shape;
        private final int dim;
        private final long paddingIdx;
        private Tensor index;

        IndexSelectBackward(Tensor x, int dim, Tensor index, long paddingIdx) {
            super(x);
            this.shape = x.shape();
            this.dim = dim;
            this.paddingIdx = paddingIdx;
            this.index = index.detach();
        }

        @Override
        public String name() {
            return paddingIdx >= 0 ? "embedding_backward" : "index_select_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gx = g.newZeros(shape);
            Tensor src = g.contiguous();
            if (paddingIdx >= 0) src = maskedFill(src, index.eq(paddingIdx).reshape(index.numel(), 1), 0);
            gx.backend().indexAdd(gx, dim, index, src);
            return new Tensor[] {gx};
        }

        @Override
        protected void releaseSaved() {
            index = null;
        }
    }

    public static Tensor indexAdd(Tensor x, int dim, Tensor index, Tensor src) {
        checkIndex("index_add", index);
        int d = Shapes.normalizeDim(dim, x.dim());
        Tensor idx = index.reshape(-1);
        int[] expected = x.shape();
        expected[d] = idx.numel();
        if (!Arrays.equals(src.shape(), expected))
            throw new IllegalArgumentException("index_add: src of shape " + Shapes.format(src.shape()) + ", expected " + Shapes.format(expected));
        checkRange("index_add", idx, x.shape()[d]);
        Tensor out = Views.contiguous(x.detach());
        out.backend().indexAdd(out, d, idx.detach(), src.detach().to(x.dtype()).contiguous());
        return Node.needsGrad(x, src) ? Node.record(out, new IndexAddBackward(x, src, d, idx)) : out;
    }

    private static final class IndexAddBackward extends Node {
        private final int dim;
        private Tensor index;

        IndexAddBackward(Tensor x, Tensor src, int dim, Tensor index) {
            super(x, src);
            this.dim = dim;
            this.index = index.detach();
        }

        @Override
        public String name() {
            return "index_add_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g, g.backend().indexSelect(g, dim, index)};
        }

        @Override
        protected void releaseSaved() {
            index = null;
        }
    }

    /**
     * Rows of {@code weight} picked by integer {@code ids}: shape {@code ids.shape + [dim]}. Rows
     * equal to {@code paddingIdx} (if >= 0) receive no gradient, as in {@code nn.Embedding}.
     */
    public static Tensor embedding(Tensor weight, Tensor ids, long paddingIdx) {
        checkIndex("embedding", ids);
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding weight must be 2-d, got " + Shapes.format(weight.shape()));
        Tensor flat = ids.reshape(-1);
        checkRange("embedding", flat, weight.size(0));
        Tensor y = weight.backend().indexSelect(weight.detach(), 0, flat.detach());
        int[] shape = Arrays.copyOf(ids.shape(), ids.dim() + 1);
        shape[ids.dim()] = weight.size(1);
        if (Node.needsGrad(weight)) Node.record(y, new IndexSelectBackward(weight, 0, flat, paddingIdx < 0 ? -1 : paddingIdx));
        return y.reshape(shape);
    }

    // ----------------------------------------------------------------- topk / cumsum

    public static Tensor[] topk(Tensor x, int k, int dim, boolean largest) {
        int d = Shapes.normalizeDim(dim, x.dim());
        if (k < 0 || k > x.shape()[d])
            throw new IllegalArgumentException("topk: k=" + k + " out of range for a dim of size " + x.shape()[d]);
        Tensor[] r = x.backend().topk(x.detach(), k, d, largest);
        if (Node.needsGrad(x)) Node.record(r[0], new TopkBackward(x, d, r[1]));
        return r;
    }

    private static final class TopkBackward extends Node {
        private final int[] shape;
        private final int dim;
        private Tensor indices;

        TopkBackward(Tensor x, int dim, Tensor indices) {
            super(x);
            this.shape = x.shape();
            this.dim = dim;
            this.indices = indices.detach();
        }

        @Override
        public String name() {
            return "topk_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor gx = g.newZeros(shape);
            gx.backend().scatter(gx, dim, indices, g.contiguous(), false);
            return new Tensor[] {gx};
        }

        @Override
        protected void releaseSaved() {
            indices = null;
        }
    }

    public static Tensor cumsum(Tensor x, int dim) {
        int d = Shapes.normalizeDim(dim, Math.max(x.dim(), 1));
        if (x.dim() == 0) return x.copy();
        Tensor y = x.backend().cumsum(x.detach(), d);
        return Node.needsGrad(x) ? Node.record(y, new CumsumBackward(x, d)) : y;
    }

    private static final class CumsumBackward extends Node {
        private final int dim;

        CumsumBackward(Tensor x, int dim) {
            super(x);
            this.dim = dim;
        }

        @Override
        public String name() {
            return "cumsum_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            // Reverse cumulative sum: total - cumsum(g) + g.
            Tensor total = g.sum(dim, true);
            return new Tensor[] {total.sub(cumsum(g, dim)).add(g)};
        }
    }
}
