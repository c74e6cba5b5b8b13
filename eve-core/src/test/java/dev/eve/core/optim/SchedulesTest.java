package dev.eve.core.optim;

import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SchedulesTest {

    @Test
    void linearWarmupThenLinearDecay() {
        LrSchedule s = LrSchedule.linear(100, 10);
        assertEquals(0.0, s.factor(0));
        assertEquals(0.5, s.factor(5));
        assertEquals(1.0, s.factor(10));
        assertEquals(0.5, s.factor(55), 1e-12);
        assertEquals(0.0, s.factor(100));
        assertEquals(0.0, s.factor(150));
    }

    @Test
    void cosineWarmupThenHalfCosine() {
        LrSchedule s = LrSchedule.cosine(110, 10);
        assertEquals(0.3, s.factor(3), 1e-12);
        assertEquals(1.0, s.factor(10), 1e-12);
        assertEquals(0.5, s.factor(60), 1e-12);
        assertEquals(0.0, s.factor(110), 1e-12);
    }

    @Test
    void warmupFromFraction() {
        assertEquals(10, LrSchedule.warmupSteps(100, 0.1));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupSteps(100, 1.5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(10, 20));
    }

    @Test
    void schedulerDrivesTheOptimizer() {
        AdamW opt = new AdamW(List.of(Tensor.ones(1).requiresGrad(true)), 1e-4, 0);
        LrScheduler sched = new LrScheduler(opt, LrSchedule.linear(4, 2));
        assertEquals(0.0, opt.lr());
        sched.step();
        assertEquals(0.5e-4, opt.lr(), 1e-15);
        sched.step();
        assertEquals(1e-4, opt.lr(), 1e-15);
        sched.step();
        assertEquals(0.5e-4, opt.lr(), 1e-15);
        LrScheduler resumed = new LrScheduler(opt, LrSchedule.linear(4, 2), 1e-4, 3);
        assertEquals(0.5e-4, resumed.lr(), 1e-15);
    }

    @Test
    void clippingScalesToTheMaximumNorm() {
        Tensor a = Tensor.ones(4).requiresGrad(true), b = Tensor.ones(2).requiresGrad(true);
        a.setGrad(Tensor.full(3, 4));
        b.setGrad(Tensor.full(4, 2));
        // ||g|| = sqrt(4*9 + 2*16) = sqrt(68)
        double norm = GradClip.clipGradNorm(List.of(a, b), 1.0);
        assertEquals(Math.sqrt(68), norm, 1e-5);
        assertEquals(1.0, GradClip.totalNorm(List.of(a, b)), 1e-5);
        double small = GradClip.clipGradNorm(List.of(a, b), 10.0);
        assertEquals(1.0, small, 1e-5);
        assertEquals(1.0, GradClip.totalNorm(List.of(a, b)), 1e-5);
    }

    @Test
    void nonFiniteNormsLeaveGradientsAlone() {
        Tensor a = Tensor.ones(2).requiresGrad(true);
        a.setGrad(Tensor.of(new float[] {Float.NaN, 1}));
        assertEquals(Double.NaN, GradClip.clipGradNorm(List.of(a), 1.0));
        assertEquals(1f, a.grad().getFloat(1));
    }
}
