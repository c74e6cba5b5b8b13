package dev.eve.core.optim;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.eve.core.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    @Test
    void followsThePyTorchTrajectory() {
        Map<String, Tensor> f = Fixtures.op("adamw");
        Tensor w = f.get("w.0").copy().requiresGrad(true), b = f.get("b.0").copy().requiresGrad(true);
        AdamW opt = new AdamW(List.of(new ParamGroup("all", List.of(w, b), 0.01)), 1e-3, 0.9, 0.999, 1e-8);
        for (int s = 1; s <= 3; s++) {
            w.setGrad(f.get("grad_w." + s));
            b.setGrad(f.get("grad_b." + s));
            opt.step();
            assertClose(f.get("w." + s), w, 1e-6, 1e-7, "w after step " + s);
            assertClose(f.get("b." + s), b, 1e-6, 1e-7, "b after step " + s);
            assertClose(f.get("exp_avg_w." + s), opt.moments(w)[0], 1e-6, 1e-9, "exp_avg w step " + s);
            assertClose(f.get("exp_avg_sq_w." + s), opt.moments(w)[1], 1e-6, 1e-12, "exp_avg_sq w step " + s);
            assertClose(f.get("exp_avg_b." + s), opt.moments(b)[0], 1e-6, 1e-9, "exp_avg b step " + s);
            assertClose(f.get("exp_avg_sq_b." + s), opt.moments(b)[1], 1e-6, 1e-12, "exp_avg_sq b step " + s);
        }
    }

    @Test
    void groupsApplyTheirMultiplierAndDecay() {
        Tensor a = Tensor.ones(3).requiresGrad(true), c = Tensor.ones(3).requiresGrad(true);
        AdamW opt = new AdamW(List.of(new ParamGroup("backbone", List.of(a), 0.0, 1.0),
                new ParamGroup("head", List.of(c), 0.0, 5.0)), 0.1, 0.9, 0.999, 1e-8);
        a.setGrad(Tensor.ones(3));
        c.setGrad(Tensor.ones(3));
        opt.step();
        // The first Adam step moves by lr * sign(g) (m/sqrt(v) = 1 after bias correction).
        assertEquals(0.9f, a.getFloat(0), 1e-6);
        assertEquals(0.5f, c.getFloat(0), 1e-6);
    }

    @Test
    void parametersWithoutGradientsAreSkipped() {
        Tensor a = Tensor.ones(2).requiresGrad(true), c = Tensor.ones(2).requiresGrad(true);
        AdamW opt = new AdamW(List.of(a, c), 0.1, 0.5);
        a.setGrad(Tensor.ones(2));
        opt.step();
        assertEquals(1, opt.step(a));
        assertEquals(0, opt.step(c));
        assertArrayEquals(new float[] {1, 1}, c.toFloatArray());
    }

    @Test
    void savedStateResumesExactly(@TempDir Path dir) {
        Generator gen = new Generator(7);
        Tensor w0 = Tensor.randn(gen, 4, 6);
        float[][] grads = new float[6][];
        for (int i = 0; i < grads.length; i++) grads[i] = Tensor.randn(gen, 4, 6).toFloatArray();

        Tensor straight = w0.copy().requiresGrad(true);
        AdamW a = new AdamW(List.of(straight), 3e-3, 0.05);
        for (float[] g : grads) {
            straight.setGrad(Tensor.of(g, 4, 6));
            a.step();
        }

        Tensor resumed = w0.copy().requiresGrad(true);
        AdamW b = new AdamW(List.of(resumed), 3e-3, 0.05);
        for (int i = 0; i < 3; i++) {
            resumed.setGrad(Tensor.of(grads[i], 4, 6));
            b.step();
        }
        b.save(dir.resolve("adamw.safetensors"));
        Tensor again = Tensor.zeros(4, 6).requiresGrad(true);
        try (var ignored = NoGrad.enter()) {
            again.assign(resumed);
        }
        AdamW c = new AdamW(List.of(again), 1.0, 0.05);
        c.load(dir.resolve("adamw.safetensors"));
        assertEquals(3e-3, c.lr());
        for (int i = 3; i < grads.length; i++) {
            again.setGrad(Tensor.of(grads[i], 4, 6));
            c.step();
        }
        assertArrayEquals(straight.toFloatArray(), again.toFloatArray(), "bitwise equal after resume");
    }

    @Test
    void invalidSettingsAreRejected() {
        Tensor p = Tensor.ones(2).requiresGrad(true);
        assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(p), -1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new AdamW(List.of(new ParamGroup("a", List.of(p), 0), new ParamGroup("b", List.of(p), 0)), 1e-3, 0.9, 0.999, 1e-8));
        var e = assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(Tensor.ones(2)), 1e-3, 0));
        assertTrue(e.getMessage().contains("does not require grad"));
    }
}
