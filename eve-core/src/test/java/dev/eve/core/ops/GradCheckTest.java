package dev.eve.core.ops;

import dev.eve.core.nn.F;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.eve.core.testing.GradCheck.check;

/** Finite-difference checks of every differentiable op's backward (float32, central differences). */
class GradCheckTest {

    private final Generator gen = new Generator(42);

    private Tensor randn(int... shape) {
        return Tensor.randn(gen, shape);
    }

    /** Values in [lo, hi): keeps inputs away from kinks and domain edges. */
    private Tensor uniform(double lo, double hi, int... shape) {
        return Tensor.uniform(gen, lo, hi, shape);
    }

    @Test
    void arithmeticWithBroadcasting() {
        check("add", a -> a[0].add(a[1]), randn(3, 4), randn(4));
        check("sub", a -> a[0].sub(a[1]), randn(2, 1, 4), randn(3, 1));
        check("mul", a -> a[0].mul(a[1]), randn(3, 4), randn(3, 1));
        check("div", a -> a[0].div(a[1]), randn(3, 4), uniform(0.5, 2, 4));
        check("pow tensor", a -> a[0].pow(a[1]), uniform(0.5, 2, 3, 4), randn(4));
        check("scalar ops", a -> a[0].mul(3).add(1).sub(0.5).div(2).rsub(5).rdiv(4), uniform(0.5, 2, 5));
        check("pow scalar", a -> a[0].pow(3).add(a[0].pow(2)).add(a[0].pow(0.5)), uniform(0.5, 2, 6));
        check("neg", a -> a[0].neg(), randn(5));
        check("maximum", a -> a[0].maximum(a[1]), randn(4, 3), randn(3));
        check("minimum", a -> a[0].minimum(a[1]), randn(4, 3), randn(4, 1));
        check("clamp", a -> a[0].clamp(-0.5, 0.5), randn(20));
    }

    @Test
    void unaryFunctions() {
        check("exp", a -> a[0].exp(), randn(3, 5));
        check("log", a -> a[0].log(), uniform(0.5, 3, 3, 5));
        check("sqrt", a -> a[0].sqrt(), uniform(0.5, 3, 7));
        check("rsqrt", a -> a[0].rsqrt(), uniform(0.5, 3, 7));
        check("tanh", a -> a[0].tanh(), randn(3, 5));
        check("sigmoid", a -> a[0].sigmoid(), randn(3, 5));
        check("relu", a -> a[0].relu(), uniform(0.1, 1, 4).mul(randn(4).sign()));
        check("gelu", a -> a[0].gelu(), randn(2, 20));
        check("gelu tanh", a -> a[0].geluTanh(), randn(2, 20));
        check("quick gelu", a -> a[0].quickGelu(), randn(2, 20));
        check("erf", a -> a[0].erf(), randn(8));
        check("square reciprocal abs", a -> a[0].square().add(a[0].reciprocal()).add(a[0].abs()), uniform(0.5, 2, 6));
        check("sin cos", a -> a[0].sin().add(a[0].cos()), randn(6));
    }

    @Test
    void matrixProducts() {
        check("matmul 2d", a -> a[0].matmul(a[1]), randn(3, 4), randn(4, 5));
        check("matmul batched broadcast", a -> a[0].matmul(a[1]), randn(2, 1, 3, 4), randn(3, 4, 2));
        check("matmul linear weight", a -> a[0].matmul(a[1].t()), randn(2, 3, 4), randn(5, 4));
        check("matmul vectors", a -> a[0].matmul(a[1]), randn(4), randn(4, 3));
        check("matmul transposed views", a -> a[0].t().matmul(a[1].t()), randn(4, 3), randn(5, 4));
        check("linear", a -> F.linear(a[0], a[1], a[2]), randn(3, 4), randn(2, 4), randn(2));
    }

    @Test
    void viewsAndCopies() {
        check("transpose + reshape", a -> a[0].transpose(0, 1).reshape(6, 2), randn(3, 4));
        check("permute", a -> a[0].permute(2, 0, 1).mul(a[1]), randn(2, 3, 4), randn(4, 2, 3));
        check("expand", a -> a[0].expand(3, 2, 4), randn(2, 1));
        check("slice with step", a -> a[0].slice(1, 1, 6, 2), randn(3, 7));
        check("select", a -> a[0].select(1, 2), randn(3, 4));
        check("squeeze unsqueeze", a -> a[0].unsqueeze(1).squeeze(1).unsqueeze(0), randn(3, 4));
        check("contiguous", a -> a[0].t().contiguous(), randn(3, 4));
        check("cat", a -> Tensor.cat(1, a[0], a[1]), randn(2, 3), randn(2, 2));
        check("stack", a -> Tensor.stack(0, a[0], a[1]), randn(2, 3), randn(2, 3));
        check("chunk", a -> a[0].chunk(2, 0).get(1).mul(2).add(a[0].chunk(2, 0).get(0)), randn(4, 3));
        check("flatten unflatten", a -> a[0].flatten(0, 1).unflatten(0, 3, 2), randn(2, 3, 2));
    }

    @Test
    void reductions() {
        check("sum all", a -> a[0].sum(), randn(3, 4));
        check("sum dims keepdim", a -> a[0].sum(new int[] {0, 2}, true), randn(2, 3, 4));
        check("mean", a -> a[0].mean(1), randn(3, 4));
        check("max dim", a -> a[0].max(1, false), randn(3, 5));
        check("min all", a -> a[0].min(), randn(3, 5));
        check("var unbiased", a -> a[0].var(1, true, false), randn(3, 6));
        check("std", a -> a[0].std(0, false, true), randn(4, 3));
        check("logsumexp", a -> a[0].logsumexp(1, false), randn(3, 6));
        check("prod", a -> a[0].prod(1, false), uniform(0.5, 1.5, 2, 4));
    }

    @Test
    void fusedRowKernels() {
        check("softmax last", a -> a[0].softmax(-1), randn(3, 7));
        check("softmax middle", a -> a[0].softmax(1), randn(2, 5, 3));
        check("log softmax", a -> a[0].logSoftmax(0), randn(4, 3));
        check("layer norm", a -> F.layerNorm(a[0], a[1], a[2], 1e-5), randn(3, 8), randn(8), randn(8));
        check("layer norm no affine", a -> F.layerNorm(a[0], null, null, 1e-5), randn(2, 3, 6));
        check("layer norm vector body and tail", a -> F.layerNorm(a[0], a[1], a[2], 1e-5), randn(2, 37), randn(37), randn(37));
        check("layer norm two dims", a -> F.layerNorm(a[0], 2, a[1], null, 1e-5), randn(2, 3, 4), randn(3, 4));
        check("normalize", a -> F.normalize(a[0], 1), randn(3, 5));
    }

    @Test
    void attention() {
        Tensor mask = Tensor.of(new long[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 1}, 2, 5);
        check("fused attention", a -> F.scaledDotProductAttention(a[0], a[1], a[2], mask),
                randn(2, 2, 4, 3), randn(2, 2, 5, 3), randn(2, 2, 5, 3));
        check("fused attention, no mask, more queries than a block",
                a -> F.scaledDotProductAttention(a[0], a[1], a[2], null), randn(1, 1, 70, 2), randn(1, 1, 3, 2), randn(1, 1, 3, 2));
    }

    @Test
    void indexing() {
        Tensor idx = Tensor.of(new long[] {2, 0, 2, 1}, 2, 2);
        check("gather", a -> a[0].gather(1, idx), randn(2, 3));
        check("scatter add", a -> a[0].scatterAdd(1, idx, a[1]), randn(2, 3), randn(2, 2));
        check("scatter", a -> a[0].scatter(1, Tensor.of(new long[] {2, 0, 1, 2}, 2, 2), a[1]), randn(2, 3), randn(2, 2));
        check("index select", a -> a[0].indexSelect(0, Tensor.of(new long[] {1, 1, 0})), randn(2, 3));
        check("index add", a -> a[0].indexAdd(1, Tensor.of(new long[] {0, 0}), a[1]), randn(3, 2), randn(3, 2));
        check("embedding", a -> F.embedding(Tensor.of(new long[] {3, 0, 3, 1}, 2, 2), a[0]), randn(4, 3));
        Tensor cond = Tensor.of(new boolean[] {true, false, false, true, true, false}, 2, 3);
        check("where", a -> Tensor.where(cond, a[0], a[1]), randn(2, 3), randn(3));
        check("masked fill", a -> a[0].maskedFill(cond, 2.0), randn(2, 3));
        check("topk", a -> a[0].topk(2, 1, true).values(), randn(3, 5));
        check("cumsum", a -> a[0].cumsum(1), randn(3, 4));
    }

    @Test
    void convolution() {
        check("conv2d stride 2 padding 1", a -> F.conv2d(a[0], a[1], a[2], new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}),
                randn(2, 2, 5, 5), randn(3, 2, 3, 3), randn(3));
        check("conv2d dilation", a -> F.conv2d(a[0], a[1], null, new int[] {1, 1}, new int[] {0, 0}, new int[] {2, 2}),
                randn(1, 1, 6, 6), randn(2, 1, 2, 2));
        check("conv2d patchify", a -> F.conv2d(a[0], a[1], a[2], 2), randn(1, 3, 4, 6), randn(4, 3, 2, 2), randn(4));
    }

    @Test
    void losses() {
        Tensor target = Tensor.of(new long[] {1, -100, 0, 3});
        check("cross entropy", a -> F.crossEntropy(a[0], target), randn(4, 5));
        check("cross entropy label smoothing", a -> F.crossEntropy(a[0], target, -100, 0.1, Reduction.SUM), randn(4, 5));
        Tensor soft = randn(3, 4).softmax(-1);
        check("cross entropy soft targets", a -> F.crossEntropy(a[0], soft), randn(3, 4));
        check("bce with logits (logits and target)", a -> F.binaryCrossEntropyWithLogits(a[0], a[1]), randn(3, 4), uniform(0, 1, 3, 4));
        check("mse", a -> F.mseLoss(a[0], a[1]), randn(3, 4), randn(3, 4));
    }
}
