package dev.eve.core.nn;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * In-place initialisers with the formulas of {@code torch.nn.init}. A null generator skips the
 * random ones (the tensor keeps its values): modules built with a null generator start at zero,
 * which saves the work when a checkpoint overwrites them anyway.
 */
public final class Init {

    private Init() {}

    private static Tensor set(Tensor t, Tensor values) {
        try (var ignored = NoGrad.enter()) {
            return t.assign(values.to(t.device()));
        }
    }

    public static Tensor uniform(Tensor t, double low, double high, Generator gen) {
        if (gen == null) return t;
        return set(t, Tensor.uniform(gen, low, high, t.shape()));
    }

    public static Tensor normal(Tensor t, double mean, double std, Generator gen) {
        if (gen == null) return t;
        return set(t, Tensor.normal(gen, mean, std, t.shape()));
    }

    /** Normal(mean, std) truncated to [a, b] (absolute bounds), as {@code trunc_normal_}. */
    public static Tensor truncNormal(Tensor t, double mean, double std, double a, double b, Generator gen) {
        if (gen == null) return t;
        return set(t, Tensor.truncatedNormal(gen, mean, std, a, b, t.shape()));
    }

    public static Tensor zeros(Tensor t) {
        try (var ignored = NoGrad.enter()) {
            return t.zero();
        }
    }

    public static Tensor constant(Tensor t, double value) {
        try (var ignored = NoGrad.enter()) {
            return t.fill(value);
        }
    }

    /** Fan-in of a weight [out, in, ...]. */
    public static int fanIn(Tensor w) {
        int receptive = 1;
        for (int i = 2; i < w.dim(); i++) receptive *= w.size(i);
        return w.dim() < 2 ? w.size(0) : w.size(1) * receptive;
    }

    public static int fanOut(Tensor w) {
        int receptive = 1;
        for (int i = 2; i < w.dim(); i++) receptive *= w.size(i);
        return w.size(0) * receptive;
    }

    /** {@code kaiming_uniform_(w, a)} with leaky-relu gain, fan-in mode. */
    public static Tensor kaimingUniform(Tensor w, double a, Generator gen) {
        if (gen == null) return w;
        double gain = Math.sqrt(2.0 / (1 + a * a));
        double bound = gain * Math.sqrt(3.0 / fanIn(w));
        return uniform(w, -bound, bound, gen);
    }

    /** {@code xavier_uniform_(w, gain)}. */
    public static Tensor xavierUniform(Tensor w, double gain, Generator gen) {
        if (gen == null) return w;
        double bound = gain * Math.sqrt(6.0 / (fanIn(w) + fanOut(w)));
        return uniform(w, -bound, bound, gen);
    }
}
