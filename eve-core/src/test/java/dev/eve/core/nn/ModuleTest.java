package dev.eve.core.nn;

import dev.eve.core.ops.Attention;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.eve.core.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleTest {

    /** A two-layer block with a tied parameter and a buffer, named like PyTorch code would. */
    static final class Block extends Module {
        final LayerNorm norm;
        final ModuleList<Mlp> layers = new ModuleList<>();

        Block() {
            norm = registerModule("norm", new LayerNorm(4, 1e-6));
            registerModule("layers", layers);
            layers.add(new Mlp(4, 8, 4, "gelu", 0.0)).add(new Mlp(4, 8, 4, "quick_gelu", 0.0));
            registerBuffer("position_ids", Tensor.arange(4));
            registerBuffer("cache", Tensor.zeros(2), false);
        }
    }

    @Test
    void namesFollowPyTorchConventions() {
        Block b = new Block();
        // PyTorch's order: a module's own parameters and buffers first, then its children in turn.
        assertEquals(List.of("position_ids", "norm.weight", "norm.bias",
                "layers.0.fc1.weight", "layers.0.fc1.bias", "layers.0.fc2.weight", "layers.0.fc2.bias",
                "layers.1.fc1.weight", "layers.1.fc1.bias", "layers.1.fc2.weight", "layers.1.fc2.bias"),
                List.copyOf(b.stateDict().keySet()));
        assertEquals(8 + 2 * (4 * 8 + 8 + 8 * 4 + 4), b.numParameters());
        assertTrue(b.namedModules().containsKey("layers.1.act"));
    }

    @Test
    void loadStateDictCopiesInPlaceAndReportsProblems() {
        Block a = new Block(), b = new Block();
        Tensor weightBefore = b.layers.get(0).fc1().weight();
        b.loadStateDict(a.stateDict(), true);
        assertSame(weightBefore, b.layers.get(0).fc1().weight(), "parameters keep their identity");
        assertArrayEquals(a.layers.get(0).fc1().weight().toFloatArray(), weightBefore.toFloatArray());

        Map<String, Tensor> broken = new LinkedHashMap<>(a.stateDict());
        broken.remove("norm.bias");
        broken.put("extra.weight", Tensor.zeros(1));
        broken.put("layers.1.fc2.bias", Tensor.zeros(5));
        var e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(broken, true));
        assertTrue(e.getMessage().contains("1 missing: norm.bias"), e.getMessage());
        assertTrue(e.getMessage().contains("1 unexpected: extra.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("layers.1.fc2.bias: expected [4], got [5]"), e.getMessage());
        LoadReport r = b.loadStateDict(broken, false);
        assertEquals(List.of("norm.bias"), r.missing());
        assertFalse(r.isClean());
    }

    @Test
    void trainAndEvalPropagate() {
        Block b = new Block();
        b.eval();
        assertFalse(b.layers.get(1).isTraining());
        b.train();
        assertTrue(b.layers.get(1).isTraining());
    }

    @Test
    void dropoutOnlyInTraining() {
        Dropout d = new Dropout(0.5);
        Tensor x = Tensor.ones(10_000);
        Tensor y = d.forward(x);
        float mean = y.mean().item();
        assertEquals(1.0, mean, 0.05);
        long zeros = y.eq(0).sum().longItem();
        assertEquals(5000, zeros, 250);
        d.eval();
        assertSame(x, d.forward(x));
    }

    @Test
    void dropPathDropsWholeSamples() {
        Generator.manualSeed(1);
        DropPath dp = new DropPath(0.5);
        Tensor y = dp.forward(Tensor.ones(64, 3, 2));
        for (int i = 0; i < 64; i++) {
            Tensor row = y.get(i);
            float v = row.getFloat(0, 0);
            assertTrue(v == 0f || v == 2f);
            assertEquals(v * 6, row.sum().item(), 1e-6);
        }
    }

    @Test
    void linearInitialisationBounds() {
        Linear l = new Linear(100, 7);
        float bound = (float) (1 / Math.sqrt(100));
        assertTrue(l.weight().abs().max().item() <= bound);
        assertTrue(l.bias().abs().max().item() <= bound);
        assertArrayEquals(new int[] {3, 7}, l.forward(Tensor.randn(3, 100)).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.zeros(3, 99)));
        assertTrue(e.getMessage().contains("in=100"), e.getMessage());
    }

    @Test
    void multiheadAttentionMatchesTheComposition() {
        Generator gen = new Generator(4);
        MultiheadAttention mha = new MultiheadAttention(8, 2, 0.0, false, gen);
        Tensor q = Tensor.randn(gen, 5, 2, 8), kv = Tensor.randn(gen, 6, 2, 8);
        Tensor pad = Tensor.of(new boolean[] {false, false, false, false, true, true, false, false, false, false, false, false}, 2, 6);
        Tensor y = mha.forward(q, kv, kv, pad);
        assertArrayEquals(new int[] {5, 2, 8}, y.shape());

        Tensor w = mha.parameter("in_proj_weight"), b = mha.parameter("in_proj_bias");
        Tensor qp = F.linear(q.transpose(0, 1), w.slice(0, 0, 8), b.slice(0, 0, 8)).reshape(2, 5, 2, 4).transpose(1, 2);
        Tensor kp = F.linear(kv.transpose(0, 1), w.slice(0, 8, 16), b.slice(0, 8, 16)).reshape(2, 6, 2, 4).transpose(1, 2);
        Tensor vp = F.linear(kv.transpose(0, 1), w.slice(0, 16, 24), b.slice(0, 16, 24)).reshape(2, 6, 2, 4).transpose(1, 2);
        Tensor o = Attention.reference(qp, kp, vp, pad.logicalNot(), 0.5).transpose(1, 2).reshape(2, 5, 8);
        Linear out = (Linear) mha.child("out_proj");
        Tensor expected = out.forward(o).transpose(0, 1);
        assertClose(expected, y, 1e-5, 1e-6, "multi-head attention");
        assertTrue(mha.stateDict().containsKey("out_proj.weight"));
        assertTrue(mha.stateDict().containsKey("in_proj_bias"));
    }

    @Test
    void sharedParametersAreListedOnce() {
        Linear shared = new Linear(3, 3);
        Sequential s = new Sequential().add(shared).add(new Activation(Activation.Kind.RELU)).add(shared);
        assertEquals(2, s.parameters().size());
        assertEquals(List.of("0.weight", "0.bias"), List.copyOf(s.namedParameters().keySet()));
        assertEquals(4, s.stateDict().size());
        Tensor x = Tensor.randn(2, 3);
        assertClose(shared.forward(shared.forward(x).relu()), s.forward(x), "sequential");
    }

    @Test
    void zeroGradClearsGradients() {
        Linear l = new Linear(2, 2);
        l.forward(Tensor.ones(1, 2)).sum().backward();
        assertNotEquals(null, l.weight().grad());
        l.zeroGrad();
        assertEquals(null, l.weight().grad());
    }

    @Test
    void activationsByConfigName() {
        assertEquals(Activation.Kind.QUICK_GELU, Activation.of("quick_gelu").kind());
        assertEquals(Activation.Kind.GELU_TANH, Activation.of("gelu_new").kind());
        var e = assertThrows(IllegalArgumentException.class, () -> Activation.of("swishy"));
        assertTrue(e.getMessage().contains("swishy"));
    }
}
