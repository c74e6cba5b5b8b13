package dev.eve.core.autograd;

import dev.eve.core.nn.F;
import dev.eve.core.nn.Linear;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.eve.core.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutogradTest {

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        x.mul(2).sum().backward();
        x.mul(x).sum().backward();
        assertArrayEquals(new float[] {4, 6, 8}, x.grad().toFloatArray());
    }

    @Test
    void aTensorUsedTwiceGetsBothContributions() {
        Tensor x = Tensor.of(new float[] {3}).requiresGrad(true);
        Tensor y = x.mul(x).add(x.exp());
        y.sum().backward();
        assertEquals(6 + Math.exp(3), x.grad().getFloat(0), 1e-4);
    }

    @Test
    void noGradRecordsNothing() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor y;
        try (var ignored = NoGrad.enter()) {
            y = x.mul(3);
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.gradFn());
    }

    @Test
    void detachStopsGradients() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor y = x.mul(2).detach().mul(x).sum();
        y.backward();
        assertArrayEquals(new float[] {2, 2}, x.grad().toFloatArray());
    }

    @Test
    void backwardOnANonScalarNeedsAGradient() {
        Tensor x = Tensor.ones(2, 3).requiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> x.mul(2).backward());
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        var shape = assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward(Tensor.ones(3)));
        assertTrue(shape.getMessage().contains("does not match"), shape.getMessage());
    }

    @Test
    void backwardTwiceThroughAFreedGraphFails() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward(Tensor.scalar(1), true);
        y.backward(Tensor.scalar(1), true);
        assertEquals(2 * Math.E, x.grad().getFloat(0), 1e-5);
    }

    @Test
    void backwardOnSomethingWithoutHistoryFails() {
        assertThrows(IllegalStateException.class, () -> Tensor.ones(1).backward());
    }

    @Test
    void gradHooksSeeTheAccumulatedGradient() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        List<Float> seen = new ArrayList<>();
        w.registerGradHook(g -> seen.add(g.getFloat(0)));
        w.mul(3).sum().backward();
        w.mul(2).sum().backward();
        assertEquals(List.of(3f, 5f), seen);
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor x = Tensor.ones(1).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) y = y.add(1);
        y.sum().backward();
        assertEquals(1f, x.grad().getFloat(0));
    }

    @Test
    void checkpointedBlockGivesTheSameGradients() {
        Generator.manualSeed(3);
        Linear a = new Linear(6, 8), b = new Linear(8, 6);
        Tensor x = Tensor.randn(new Generator(5), 4, 6).requiresGrad(true);
        // Dropout inside the block: the replayed random stream must give the same mask.
        java.util.function.Function<Tensor, Tensor> block = t -> b.forward(F.dropout(a.forward(t).gelu(), 0.3, true));

        Generator.manualSeed(11);
        block.apply(x).square().sum().backward();
        Tensor gx = x.grad(), ga = a.weight().grad(), gb = b.bias().grad();
        x.setGrad(null);
        a.zeroGrad();
        b.zeroGrad();

        Generator.manualSeed(11);
        Tensor y = Checkpoint.apply(block, x);
        assertNotNull(y.gradFn());
        assertEquals("checkpoint_backward", y.gradFn().name());
        y.square().sum().backward();
        assertClose(gx, x.grad(), 1e-6, 1e-7, "input grad");
        assertClose(ga, a.weight().grad(), 1e-6, 1e-7, "first layer weight grad");
        assertClose(gb, b.bias().grad(), 1e-6, 1e-7, "second layer bias grad");
    }

    @Test
    void checkpointWithoutGradModeJustRuns() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        try (var ignored = NoGrad.enter()) {
            Tensor y = Checkpoint.apply(t -> t.mul(2), x);
            assertNull(y.gradFn());
        }
    }

    @Test
    void inPlaceChangesOfParametersNeedNoGrad() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> w.fill(3));
        try (var ignored = NoGrad.enter()) {
            assertSame(w, w.fill(3));
        }
        assertEquals(3f, w.getFloat(1));
    }
}
