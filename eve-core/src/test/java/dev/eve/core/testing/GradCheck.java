package dev.eve.core.testing;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finite-difference gradient checks. The scalar probed is {@code sum(f(inputs) * R)} for a fixed
 * random R, so every output element contributes; central differences in float32 with step h give
 * about 1e-3 relative agreement on smooth functions.
 */
public final class GradCheck {

    private GradCheck() {}

    public static void check(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(what, 1e-2, 2e-2, 2e-3, f, inputs);
    }

    public static void check(String what, double h, double rtol, double atol, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = inputs[i].detach().copy();
            if (inputs[i].dtype().isFloating()) leaves[i].requiresGrad(true);
        }
        Tensor out = f.apply(leaves);
        Tensor probe = Tensor.randn(new Generator(1234), out.shape());
        out.mul(probe).sum().backward();
        for (int i = 0; i < leaves.length; i++) {
            if (!leaves[i].requiresGrad()) continue;
            Tensor analytic = leaves[i].grad();
            assertNotNull(analytic, what + ": no gradient reached input " + i);
            float[] g = analytic.toFloatArray();
            float[] x = leaves[i].toFloatArray();
            for (int j = 0; j < x.length; j++) {
                double plus = evaluate(f, leaves, i, j, x, x[j] + h, probe);
                double minus = evaluate(f, leaves, i, j, x, x[j] - h, probe);
                double numeric = (plus - minus) / (2 * h);
                if (Math.abs(numeric - g[j]) > atol + rtol * Math.abs(numeric)) {
                    fail(String.format("%s: d/d input%d[%d]: analytic %.6g, numeric %.6g", what, i, j, g[j], numeric));
                }
            }
        }
    }

    private static double evaluate(Function<Tensor[], Tensor> f, Tensor[] leaves, int which, int j, float[] base, double value, Tensor probe) {
        try (var ignored = NoGrad.enter()) {
            Tensor[] args = new Tensor[leaves.length];
            for (int i = 0; i < leaves.length; i++) {
                if (i == which) {
                    float[] x = base.clone();
                    x[j] = (float) value;
                    args[i] = Tensor.of(x, leaves[i].shape());
                } else {
                    args[i] = leaves[i].detach();
                }
            }
            float[] y = f.apply(args).toFloatArray(), r = probe.toFloatArray();
            double s = 0;
            for (int k = 0; k < y.length; k++) s += (double) y[k] * r[k];
            return s;
        }
    }
}
