package dev.eve.core.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {

    @Test
    void creation() {
        assertArrayEquals(new float[] {0, 0, 0, 0}, Tensor.zeros(2, 2).toFloatArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(7, 2).toFloatArray());
        assertArrayEquals(new long[] {2, 3, 4}, Tensor.arange(2, 5).toLongArray());
        assertEquals(DType.I64, Tensor.arange(3).dtype());
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f}, Tensor.arange(0, 2, 0.5).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 1}, Tensor.eye(2).toFloatArray());
        assertEquals(0, Tensor.scalar(3).dim());
        assertEquals(3f, Tensor.scalar(3).item());
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertTrue(e.getMessage().contains("[2, 2]"));
    }

    @Test
    void seededRandomnessIsReproducible() {
        assertArrayEquals(Tensor.randn(new Generator(1), 10).toFloatArray(), Tensor.randn(new Generator(1), 10).toFloatArray());
        assertFalse(java.util.Arrays.equals(Tensor.randn(new Generator(1), 10).toFloatArray(),
                Tensor.randn(new Generator(2), 10).toFloatArray()));
        Tensor t = Tensor.truncatedNormal(new Generator(3), 0, 1, -0.5, 0.5, 1000);
        assertTrue(t.max().item() <= 0.5 && t.min().item() >= -0.5);
        Tensor u = Tensor.rand(new Generator(4), 10_000);
        assertEquals(0.5, u.mean().item(), 0.02);
        Tensor n = Tensor.randn(new Generator(5), 10_000);
        assertEquals(1.0, n.var().item(), 0.05);
        Tensor ints = Tensor.randint(new Generator(6), 3, 7, 1000);
        assertTrue(ints.min().longItem() >= 3 && ints.max().longItem() < 7);
    }

    @Test
    void generatorStateRoundTrips() {
        Generator g = new Generator(9);
        g.nextFloat();
        byte[] state = g.saveState();
        float a = g.nextFloat();
        double b = g.nextGaussian();
        g.restoreState(state);
        assertEquals(a, g.nextFloat());
        assertEquals(b, g.nextGaussian());
    }

    @Test
    void viewsShareStorage() {
        Tensor t = Tensor.arange(0, 6, 1).reshape(2, 3);
        Tensor tt = t.t();
        assertSame(t.storage(), tt.storage());
        assertFalse(tt.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tt.toFloatArray());
        assertArrayEquals(new float[] {1, 4}, tt.select(0, 1).toFloatArray());
        assertArrayEquals(new float[] {3, 5}, t.get(1).slice(0, 0, 3, 2).toFloatArray());
        assertArrayEquals(new int[] {2, 3, 4}, t.unsqueeze(-1).expand(2, 3, 4).shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tt.reshape(6).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> tt.view(6));
    }

    @Test
    void negativeDimsAndPythonSlices() {
        Tensor t = Tensor.arange(0, 10, 1);
        assertArrayEquals(new float[] {7, 8, 9}, t.slice(0, -3, Integer.MAX_VALUE).toFloatArray());
        assertEquals(0, t.slice(0, 5, 2).numel());
        assertEquals(9f, t.select(-1, -1).item());
        assertThrows(IndexOutOfBoundsException.class, () -> t.select(0, 10));
        assertThrows(IllegalArgumentException.class, () -> t.sum(1));
    }

    @Test
    void splitChunkCat() {
        Tensor t = Tensor.arange(0, 10, 1).reshape(5, 2);
        List<Tensor> parts = t.split(2, 0);
        assertEquals(3, parts.size());
        assertEquals(1, parts.get(2).size(0));
        assertEquals(3, t.chunk(2, 0).get(0).size(0));
        assertArrayEquals(t.toFloatArray(), Tensor.cat(0, parts).toFloatArray());
        assertArrayEquals(new int[] {2, 5, 2}, Tensor.stack(0, t, t).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, t, Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("tensor 1"), e.getMessage());
    }

    @Test
    void dtypesAndPromotion() {
        Tensor ids = Tensor.of(new long[] {1, 2, 3});
        assertEquals(DType.I64, ids.add(1).dtype());
        assertEquals(DType.F32, ids.mul(0.5).dtype());
        assertEquals(DType.F32, ids.div(2).dtype());
        assertArrayEquals(new float[] {0.5f, 1, 1.5f}, ids.div(2).toFloatArray());
        assertEquals(DType.F32, ids.add(Tensor.ones(3)).dtype());
        assertEquals(DType.BOOL, ids.gt(1).dtype());
        assertArrayEquals(new long[] {0, 1, 1}, ids.gt(1).toLongArray());
        assertEquals(DType.I32, Tensor.of(new int[] {1, 2}).to(DType.I32).dtype());
        assertArrayEquals(new long[] {1, 2}, Tensor.of(new float[] {1.7f, 2.2f}).to(DType.I64).toLongArray());
        assertEquals(2L, ids.gt(1).sum().longItem());
        assertEquals(DType.I64, ids.gt(1).sum().dtype());
        assertArrayEquals(new long[] {1, 3, 6}, ids.cumsum(0).toLongArray());
        assertArrayEquals(new long[] {2, 0, 1}, Tensor.of(new long[] {-1, 3, 4}).remainder(3).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> ids.requiresGrad(true));
    }

    @Test
    void comparisonsAndLogic() {
        Tensor a = Tensor.of(new float[] {1, 2, Float.NaN});
        assertArrayEquals(new long[] {0, 1, 0}, a.eq(2).toLongArray());
        assertArrayEquals(new long[] {1, 1, 0}, a.isFinite().toLongArray());
        assertFalse(a.allFinite());
        assertArrayEquals(new long[] {1, 0, 1}, a.eq(2).logicalNot().toLongArray());
        assertArrayEquals(new long[] {0, 1, 0}, a.ge(2).logicalAnd(a.le(2)).toLongArray());
        assertTrue(Tensor.ones(2).allClose(Tensor.full(1.0000001, 2), 1e-5, 1e-6));
    }

    @Test
    void reductionsOverDims() {
        Tensor t = Tensor.arange(0, 24, 1).reshape(2, 3, 4);
        assertArrayEquals(new int[] {2, 1, 4}, t.sum(1, true).shape());
        assertArrayEquals(new float[] {12, 15, 18, 21, 48, 51, 54, 57}, t.sum(1).toFloatArray());
        assertArrayEquals(new float[] {60, 92, 124}, t.sum(new int[] {0, 2}, false).toFloatArray());
        assertEquals(276f, t.sum().item());
        assertEquals(11.5f, t.mean().item());
        assertArrayEquals(new float[] {20, 21, 22, 23}, t.max(1, false).max(0, false).toFloatArray());
        assertArrayEquals(new long[] {3, 3, 3, 3, 3, 3}, t.argmax(2, false).toLongArray());
        assertEquals(23L, t.argmax().longItem());
        assertArrayEquals(new long[] {0, 0}, Tensor.of(new float[] {5, 1, 5, 5}, 2, 2).argmax(1, false).toLongArray(), "first index wins ties");
        assertEquals(Tensor.arange(0, 24, 1).var().item(), 50f, 1e-4);
        assertEquals(1L, Tensor.of(new boolean[] {false, true}).any().longItem());
        assertEquals(0L, Tensor.of(new boolean[] {false, true}).all().longItem());
    }

    @Test
    void topkAndOneHot() {
        Tensor x = Tensor.of(new float[] {0.1f, 0.7f, 0.2f, 0.7f, 0.9f, 0.0f}, 2, 3);
        var top = x.topk(2, 1, true);
        assertArrayEquals(new float[] {0.7f, 0.2f, 0.9f, 0.7f}, top.values().toFloatArray());
        assertArrayEquals(new long[] {1, 2, 1, 0}, top.indices().toLongArray());
        var smallest = x.topk(1, 0, false);
        assertArrayEquals(new long[] {0, 0, 1}, smallest.indices().toLongArray());
        assertArrayEquals(new long[] {0, 1, 0, 0, 0, 1}, Tensor.oneHot(Tensor.of(new long[] {1, 2}), 3).toLongArray());
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.oneHot(Tensor.of(new long[] {3}), 3));
    }

    @Test
    void indexingErrorsNameTheProblem() {
        Tensor w = Tensor.zeros(4, 2);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> w.indexSelect(0, Tensor.of(new long[] {4})));
        assertTrue(e.getMessage().contains("index 4"), e.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).add(Tensor.ones(4)));
        assertTrue(b.getMessage().contains("[2, 3]") && b.getMessage().contains("[4]"), b.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).matmul(Tensor.ones(2, 3)));
        assertTrue(m.getMessage().contains("cannot be multiplied"), m.getMessage());
    }

    @Test
    void kernelsRespectTheOffsetOfViews() {
        Tensor base = Tensor.randn(new Generator(8), 3, 4, 5);
        Tensor view = base.get(2);              // contiguous, offset 40
        Tensor copy = view.copy();               // same values, offset 0
        assertEquals(40, view.offset());
        assertArrayEquals(copy.sum(1).toFloatArray(), view.sum(1).toFloatArray());
        assertArrayEquals(copy.sum(0).toFloatArray(), view.sum(0).toFloatArray());
        assertArrayEquals(copy.max(1, false).toFloatArray(), view.max(1, false).toFloatArray());
        assertArrayEquals(copy.argmax(1, false).toLongArray(), view.argmax(1, false).toLongArray());
        assertArrayEquals(copy.cumsum(1).toFloatArray(), view.cumsum(1).toFloatArray());
        assertArrayEquals(copy.topk(2, 1, true).values().toFloatArray(), view.topk(2, 1, true).values().toFloatArray());
        assertArrayEquals(copy.softmax(1).toFloatArray(), view.softmax(1).toFloatArray());
        assertArrayEquals(dev.eve.core.nn.F.layerNorm(copy, null, null, 1e-5).toFloatArray(),
                dev.eve.core.nn.F.layerNorm(view, null, null, 1e-5).toFloatArray());
        assertArrayEquals(copy.matmul(copy.t()).toFloatArray(), view.matmul(view.t()).toFloatArray());
        Tensor idx = Tensor.of(new long[] {3, 0});
        assertArrayEquals(copy.indexSelect(0, idx).toFloatArray(), view.indexSelect(0, idx).toFloatArray());
        assertArrayEquals(copy.gather(1, Tensor.of(new long[] {4, 1, 0, 2}, 4, 1)).toFloatArray(),
                view.gather(1, Tensor.of(new long[] {4, 1, 0, 2}, 4, 1)).toFloatArray());
        assertArrayEquals(copy.exp().toFloatArray(), view.exp().toFloatArray());
    }

    @Test
    void emptyTensorsWithAZeroInnerDim() {
        Tensor e = Tensor.zeros(2, 0);
        assertEquals(0, e.toFloatArray().length);
        assertEquals(0, e.t().toLongArray().length);
        assertEquals(0, e.add(1).t().contiguous().numel());
        assertArrayEquals(new float[] {0, 0}, e.sum(1).toFloatArray());
        assertTrue(e.toString().startsWith("tensor(["), e.toString());
    }

    @Test
    void printsLikePyTorch() {
        assertEquals("tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], shape=[2, 2])",
                Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).toString());
        assertEquals("tensor([1, 2], shape=[2], dtype=I64)", Tensor.of(new long[] {1, 2}).toString());
        String big = Tensor.zeros(2000).toString();
        assertTrue(big.contains("..."), big);
        assertTrue(Tensor.ones(1).requiresGrad(true).mul(2).toString().contains("grad_fn=mul_scalar_backward"));
    }

    @Test
    void devicesParse() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.cuda(1), Device.parse("cuda:1"));
        assertEquals("cuda:0", Device.parse("cuda").toString());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
        assertNotEquals(Device.CPU, Device.cuda(0));
        var e = assertThrows(IllegalStateException.class, () -> Tensor.zeros(Device.cuda(0), DType.F32, 2));
        assertTrue(e.getMessage().contains("eve-cuda"), e.getMessage());
    }
}
