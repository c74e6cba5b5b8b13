package dev.eve.core.ops;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/** Dropout and stochastic depth. */
public final class Stochastic {

    private Stochastic() {}

    /** Zeroes each element with probability p and scales the rest by 1/(1-p) (identity when not training). */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        checkP("dropout", p);
        if (!training || p == 0) return x;
        if (p == 1) return x.mul(0);
        Tensor keep = Tensor.rand(gen, x.shape()).to(x.device()).ge(p).to(x.dtype()).mul(1 / (1 - p));
        return x.mul(keep);
    }

    /**
     * Drops whole samples (the first dim) with probability p, scaling kept ones by 1/(1-p): the
     * stochastic depth of BEiT/timm ({@code floor(keep_prob + rand)}).
     */
    public static Tensor dropPath(Tensor x, double p, boolean training, Generator gen) {
        checkP("drop_path", p);
        if (!training || p == 0) return x;
        if (p == 1) return x.mul(0);
        double keepProb = 1 - p;
        int[] shape = new int[x.dim()];
        Arrays.fill(shape, 1);
        shape[0] = x.size(0);
        Tensor keep = Tensor.rand(gen, shape).add(keepProb).floor().to(x.device()).to(x.dtype());
        return x.div(keepProb).mul(keep);
    }

    private static void checkP(String op, double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(op + " probability must be in [0, 1], got " + p);
    }
}
