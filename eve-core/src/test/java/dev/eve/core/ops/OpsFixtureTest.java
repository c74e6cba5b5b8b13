package dev.eve.core.ops;

import dev.eve.core.nn.F;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Function;

import static dev.eve.core.testing.TensorAssert.assertClose;
import static dev.eve.core.testing.TensorAssert.assertEqualLongs;

/**
 * Every op and its gradients against PyTorch 1.13 (fixtures/ops, see its README): y = op(inputs)
 * and the gradients of sum(y * grad_y) (grad_loss for losses).
 */
class OpsFixtureTest {

    /** Runs op on fresh leaves of the named inputs, checks y and every grad_<input>. */
    private static void check(String fixture, String[] inputs, Function<Tensor[], Tensor> op, double rtol, double atol) {
        Map<String, Tensor> f = Fixtures.op(fixture);
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = f.get(inputs[i]);
            leaves[i] = t.dtype().isFloating() ? t.detach().copy().requiresGrad(true) : t;
        }
        Tensor y = op.apply(leaves);
        boolean loss = f.containsKey("loss");
        Tensor expected = loss ? f.get("loss").reshape() : f.get("y");
        assertClose(expected, y, rtol, atol, fixture + ": forward");
        Tensor upstream = loss ? f.get("grad_loss").reshape() : f.get("grad_y");
        y.backward(upstream);
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = f.get("grad_" + inputs[i]);
            if (g == null) continue;
            assertClose(g, leaves[i].grad(), rtol, atol, fixture + ": grad_" + inputs[i]);
        }
    }

    private static void check(String fixture, String[] inputs, Function<Tensor[], Tensor> op) {
        check(fixture, inputs, op, 1e-4, 1e-5);
    }

    @Test
    void softmax() {
        check("softmax", new String[] {"x"}, a -> a[0].softmax(-1));
    }

    @Test
    void logSoftmax() {
        check("log_softmax", new String[] {"x"}, a -> a[0].logSoftmax(-1));
    }

    @Test
    void layerNorm() {
        check("layer_norm", new String[] {"x", "weight", "bias"}, a -> F.layerNorm(a[0], a[1], a[2], 1e-6));
    }

    @Test
    void quickGelu() {
        check("quick_gelu", new String[] {"x"}, a -> a[0].quickGelu());
    }

    @Test
    void geluErf() {
        check("gelu_erf", new String[] {"x"}, a -> a[0].gelu());
    }

    @Test
    void geluTanh() {
        check("gelu_tanh", new String[] {"x"}, a -> a[0].geluTanh());
    }

    @Test
    void linear() {
        check("linear", new String[] {"x", "weight", "bias"}, a -> F.linear(a[0], a[1], a[2]));
    }

    @Test
    void batchedMatmul() {
        check("bmm", new String[] {"a", "b"}, a -> a[0].matmul(a[1]));
    }

    @Test
    void fusedAttention() {
        Tensor mask = Fixtures.op("attention").get("key_mask");
        check("attention", new String[] {"q", "k", "v"},
                a -> F.scaledDotProductAttention(a[0], a[1], a[2], mask, Math.pow(16, -0.5)));
    }

    @Test
    void referenceAttentionMatchesTooAndGivesTheProbabilities() {
        Map<String, Tensor> f = Fixtures.op("attention");
        Tensor s = f.get("q").mul(0.25).matmul(f.get("k").transpose(-2, -1))
                .maskedFill(f.get("key_mask").eq(0).reshape(2, 1, 1, 13), Double.NEGATIVE_INFINITY);
        assertClose(f.get("probs"), s.softmax(-1), "attention probabilities");
        Tensor mask = f.get("key_mask");
        check("attention", new String[] {"q", "k", "v"}, a -> Attention.reference(a[0], a[1], a[2], mask, 0.25));
    }

    @Test
    void crossEntropyWithIgnoreIndex() {
        Tensor target = Fixtures.op("cross_entropy").get("target");
        check("cross_entropy", new String[] {"logits"}, a -> F.crossEntropy(a[0], target));
    }

    @Test
    void binaryCrossEntropyWithLogits() {
        Tensor target = Fixtures.op("bce_with_logits").get("target");
        check("bce_with_logits", new String[] {"logits"}, a -> F.binaryCrossEntropyWithLogits(a[0], target));
    }

    @Test
    void mseLoss() {
        check("mse_loss", new String[] {"x", "target"}, a -> F.mseLoss(a[0], a[1]));
    }

    @Test
    void conv2dPatchify() {
        check("conv2d_patchify", new String[] {"x", "weight", "bias"}, a -> F.conv2d(a[0], a[1], a[2], 16));
    }

    @Test
    void conv2dGeneralPathAgreesWithPatchify() {
        // The im2col path must give the same numbers as the copy-free patchify path.
        Map<String, Tensor> f = Fixtures.op("conv2d_patchify");
        check("conv2d_patchify", new String[] {"x", "weight", "bias"}, a -> {
            Tensor cols = Convolution.unfold(a[0], 16, 16, 16, 16, 0, 0, 1, 1);
            Tensor y = a[1].reshape(24, -1).matmul(cols).add(a[2].reshape(24, 1));
            return y.reshape(2, 24, 2, 3);
        });
        assertClose(f.get("y"), F.conv2d(f.get("x"), f.get("weight"), f.get("bias"),
                new int[] {16, 16}, new int[] {0, 0}, new int[] {1, 1}), "conv2d");
    }

    @Test
    void embedding() {
        Tensor ids = Fixtures.op("embedding").get("ids");
        check("embedding", new String[] {"weight"}, a -> F.embedding(ids, a[0]));
    }

    @Test
    void normalizeIncludingAZeroRow() {
        check("normalize", new String[] {"x"}, a -> F.normalize(a[0], -1, 1e-12), 1e-4, 1e-4);
    }

    @Test
    void cumsum() {
        check("cumsum", new String[] {"x"}, a -> a[0].cumsum(0));
        Map<String, Tensor> f = Fixtures.op("cumsum");
        assertEqualLongs(f.get("cumsum_i64"), f.get("mask_i64").cumsum(0).sub(1), "integer cumsum (GShard locations)");
    }
}
